using System.CommandLine;
using System.Globalization;

namespace CompletionLsp.Cli;

/// <summary>Typed command-line options with the checks every command wants (ranges, choices), on System.CommandLine.
/// A failed check is a usage error: exit code 2 and a line that names the option.</summary>
public static class Opt
{
    public static Option<bool> Flag(string name, string description, params string[] aliases) =>
        new(name, aliases) { Description = description };

    public static Option<string?> Text(string name, string helpName, string description, params string[] aliases) =>
        new(name, aliases) { Description = description, HelpName = helpName };

    public static Option<int> Int(string name, int defaultValue, int min, int max, string description, params string[] aliases)
    {
        var o = new Option<int>(name, aliases)
        {
            Description = description, HelpName = "N", DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseInt(r, name, min, max),
        };
        return o;
    }

    /// <summary>An optional whole number: null when the option is not given.</summary>
    public static Option<int?> OptionalInt(string name, int min, int max, string description) =>
        new(name) { Description = description, HelpName = "N", CustomParser = r => ParseInt(r, name, min, max) };

    public static Option<double> Double(string name, double defaultValue, double min, double max, string description, string helpName = "X")
    {
        return new Option<double>(name)
        {
            Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                var v = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
                if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d) || d < min || d > max)
                {
                    r.AddError($"option '{name}' wants a number in {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}, not '{v}'");
                    return defaultValue;
                }
                return d;
            },
        };
    }

    /// <summary>One of a fixed set of words; the help shows the first <paramref name="shown"/> of them (the rest are aliases).</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, string[] allowed, int shown = int.MaxValue)
    {
        var words = string.Join("|", allowed.Take(shown));
        var o = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = words };
        o.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<string>();
            if (!allowed.Contains(v, StringComparer.Ordinal)) r.AddError($"option '{name}' is {string.Join(", ", allowed.Take(shown))}, not '{v}'");
        });
        o.CompletionSources.Add(allowed.Take(shown).ToArray());
        return o;
    }

    private static int ParseInt(System.CommandLine.Parsing.ArgumentResult r, string name, int min, int max)
    {
        var v = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            r.AddError($"option '{name}' wants a whole number in {min}..{(max == int.MaxValue ? "" : max.ToString(CultureInfo.InvariantCulture))}, not '{v}'");
            return min;
        }
        return n;
    }

    /// <summary>A required positional argument.</summary>
    public static Argument<string> Arg(string name, string description) => new(name) { Description = description };
}

public sealed class UsageException(string message) : Exception(message);
