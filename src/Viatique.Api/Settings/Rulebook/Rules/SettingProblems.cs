namespace Viatique.Api.Settings.Rulebook.Rules;

/// <summary>
/// E011 (unknown environment), E012 (unknown LOG_FORMAT), E090 (malformed boolean or number), E091 (NAME and NAME_FILE both
/// set), E092 (NAME_FILE unreadable): values the reader could not read at all.
/// </summary>
public sealed class SettingsReadable(string id) : Rule
{
    public override string Id => id;

    public override IEnumerable<Finding> Evaluate(RuleContext context) =>
        context.Settings.Problems.Where(p => p.RuleId == Id).Select(p => Found(p.Variable, p.Message, p.Hint));
}
