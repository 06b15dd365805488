using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Viatique.Kubernetes.Tests.Infrastructure;

/// <summary>
/// The subset of kustomize these overlays use, for machines without kubectl: resources (files and
/// directories), namespace, images, replicas, strategic-merge patches by kind and name, and
/// ConfigMaps generated from files (named with kustomize's content hash, references in pod
/// templates renamed). The strict <see cref="Kustomization"/> model refuses every other field, so
/// nothing is silently ignored.
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
        var generated = new Dictionary<string, string>();
        foreach (var generator in kustomization.ConfigMapGenerator)
        {
            var configMap = Generate(directory, generator);
            generated[generator.Name] = Name(configMap);
            documents.Add(configMap);
        }
        foreach (var document in documents)
        {
            RenameConfigMapReferences(document, generated);
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

    /// <summary>A configMapGenerator's ConfigMap: one key per file, its name suffixed with kustomize's hash of the content.</summary>
    static Dictionary<object, object?> Generate(string directory, KustomizeConfigMapGenerator generator)
    {
        var data = new Dictionary<object, object?>();
        foreach (var entry in generator.Files)
        {
            var (key, file) = entry.Split('=', 2) is [var k, var f] ? (k, f) : (Path.GetFileName(entry), entry);
            data[key] = File.ReadAllText(Path.Combine(directory, file));
        }
        var metadata = new Dictionary<object, object?> { ["name"] = generator.Name + "-" + KustomizeHash(data) };
        if (generator.Options?.Labels is { } labels)
        {
            metadata["labels"] = labels.ToDictionary(l => (object)l.Key, l => (object?)l.Value);
        }
        return new Dictionary<object, object?> { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata, ["data"] = data };
    }

    /// <summary>
    /// kustomize's name suffix (api/hasher): the SHA-256 of Go's JSON of {"data","kind","name"},
    /// first 10 hex digits, with 0 1 3 a e swapped for g h k m t. Its lookup of "metadata/name" as one
    /// field finds nothing, so "name" is always empty.
    /// </summary>
    public static string KustomizeHash(IReadOnlyDictionary<object, object?> data)
    {
        var json = new StringBuilder("{\"data\":{");
        var first = true;
        foreach (var (key, value) in data.Select(d => ((string)d.Key, (string)d.Value!)).OrderBy(d => d.Item1, StringComparer.Ordinal))
        {
            json.Append(first ? "" : ",").Append(GoJsonString(key)).Append(':').Append(GoJsonString(value));
            first = false;
        }
        json.Append("},\"kind\":\"ConfigMap\",\"name\":\"\"}");
        var hex = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json.ToString())))[..10];
        return new string(hex.Select(c => c switch { '0' => 'g', '1' => 'h', '3' => 'k', 'a' => 'm', 'e' => 't', _ => c }).ToArray());
    }

    /// <summary>A string as Go's encoding/json writes it (HTML-safe: &lt; &gt; &amp; escaped).</summary>
    static string GoJsonString(string value)
    {
        var json = new StringBuilder("\"");
        foreach (var c in value)
        {
            json.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return json.Append('"').ToString();
    }

    /// <summary>Pod templates name a generated ConfigMap by its generator's name; kustomize renames them.</summary>
    static void RenameConfigMapReferences(Dictionary<object, object?> document, Dictionary<string, string> generated)
    {
        if (generated.Count == 0 || PodSpec(document) is not { } pod)
        {
            return;
        }
        void Rename(Dictionary<object, object?>? reference)
        {
            if (reference?.GetValueOrDefault("name") is string name && generated.TryGetValue(name, out var renamed))
            {
                reference["name"] = renamed;
            }
        }
        foreach (var volume in (pod.GetValueOrDefault("volumes") as List<object?> ?? []).Cast<Dictionary<object, object?>>())
        {
            Rename(volume.GetValueOrDefault("configMap") as Dictionary<object, object?>);
        }
        foreach (var container in Containers(document))
        {
            foreach (var source in (container.GetValueOrDefault("envFrom") as List<object?> ?? []).Cast<Dictionary<object, object?>>())
            {
                Rename(source.GetValueOrDefault("configMapRef") as Dictionary<object, object?>);
            }
        }
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

    static Dictionary<object, object?>? PodSpec(Dictionary<object, object?> document) =>
        document.GetValueOrDefault("spec") is Dictionary<object, object?> spec
        && spec.GetValueOrDefault("template") is Dictionary<object, object?> template
        && template.GetValueOrDefault("spec") is Dictionary<object, object?> pod
            ? pod
            : null;

    static IEnumerable<Dictionary<object, object?>> Containers(Dictionary<object, object?> document)
    {
        if (PodSpec(document) is not { } pod)
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
