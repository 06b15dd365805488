using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Viatique.Kubernetes.Tests.Infrastructure;

/// <summary>
/// The subset of kustomize these overlays use, for machines without kubectl: resources (files and
/// directories), namespace, images, replicas and strategic-merge patches by kind and name. The
/// strict <see cref="Kustomization"/> model refuses every other field, so nothing is silently ignored.
/// </summary>
public static class OwnRenderer
{
    static readonly HashSet<string> ClusterScoped = ["Namespace", "ClusterIssuer", "ClusterRole", "ClusterRoleBinding"];

    public static string Render(string directory)
    {
        var documents = Build(directory);
        var serializer = new SerializerBuilder().Build();
        return string.Join("---\n", documents.Select(serializer.Serialize));
    }

    static List<Dictionary<object, object?>> Build(string directory)
    {
        var kustomization = Manifests.ParseFile(Path.Combine(directory, "kustomization.yaml")).OfType<Kustomization>().Single();
        var documents = new List<Dictionary<object, object?>>();
        foreach (var resource in kustomization.Resources)
        {
            var path = Path.GetFullPath(Path.Combine(directory, resource));
            documents.AddRange(Directory.Exists(path) ? Build(path) : Load(path));
        }
        foreach (var patch in kustomization.Patches)
        {
            foreach (var change in Load(Path.Combine(directory, patch.Path)))
            {
                var target = documents.SingleOrDefault(d => Kind(d) == Kind(change) && Name(d) == Name(change))
                    ?? throw new InvalidDataException($"patch {patch.Path}: no {Kind(change)} named {Name(change)} in the resources");
                Merge(target, change);
            }
        }
        foreach (var replicas in kustomization.Replicas)
        {
            var target = documents.Single(d => Kind(d) == "Deployment" && Name(d) == replicas.Name);
            Map(target, "spec")["replicas"] = replicas.Count;
        }
        foreach (var document in documents)
        {
            foreach (var container in Containers(document))
            {
                var image = (string)container["image"]!;
                var name = image.Split('@')[0].Split(':')[0];
                if (kustomization.Images.FirstOrDefault(i => i.Name == name) is { } rule)
                {
                    var tag = rule.NewTag ?? (image.Contains(':') ? image[(image.IndexOf(':') + 1)..] : null);
                    container["image"] = (rule.NewName ?? name) + (tag is null ? "" : ":" + tag);
                }
            }
            if (kustomization.Namespace is { } ns && !ClusterScoped.Contains(Kind(document)))
            {
                Map(document, "metadata")["namespace"] = ns;
            }
        }
        return documents;
    }

    static IEnumerable<Dictionary<object, object?>> Load(string path)
    {
        var parser = new Parser(new StringReader(File.ReadAllText(path)));
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            yield return deserializer.Deserialize<Dictionary<object, object?>>(parser);
        }
    }

    static IEnumerable<Dictionary<object, object?>> Containers(Dictionary<object, object?> document)
    {
        if (document.GetValueOrDefault("spec") is not Dictionary<object, object?> spec
            || spec.GetValueOrDefault("template") is not Dictionary<object, object?> template
            || template.GetValueOrDefault("spec") is not Dictionary<object, object?> pod)
        {
            return [];
        }
        return new[] { "initContainers", "containers" }
            .SelectMany(key => pod.GetValueOrDefault(key) as List<object?> ?? [])
            .Cast<Dictionary<object, object?>>();
    }

    /// <summary>Strategic merge as kustomize does it for these kinds: maps merge, lists of named items merge by name.</summary>
    static void Merge(Dictionary<object, object?> target, Dictionary<object, object?> patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is Dictionary<object, object?> map && target.GetValueOrDefault(key) is Dictionary<object, object?> existing)
            {
                Merge(existing, map);
            }
            else if (value is List<object?> items && target.GetValueOrDefault(key) is List<object?> list && items.All(IsNamed) && list.All(IsNamed))
            {
                foreach (var item in items.Cast<Dictionary<object, object?>>())
                {
                    var match = list.Cast<Dictionary<object, object?>>().FirstOrDefault(i => Equals(i["name"], item["name"]));
                    if (match is null)
                    {
                        list.Add(item);
                    }
                    else
                    {
                        Merge(match, item);
                    }
                }
            }
            else
            {
                target[key] = value;
            }
        }
    }

    static bool IsNamed(object? item) => item is Dictionary<object, object?> d && d.ContainsKey("name");

    static Dictionary<object, object?> Map(Dictionary<object, object?> parent, string key) =>
        parent.GetValueOrDefault(key) as Dictionary<object, object?> ?? (Dictionary<object, object?>)(parent[key] = new Dictionary<object, object?>());

    static string Kind(Dictionary<object, object?> document) => (string)document["kind"]!;

    static string Name(Dictionary<object, object?> document) => (string)((Dictionary<object, object?>)document["metadata"]!)["name"]!;
}
