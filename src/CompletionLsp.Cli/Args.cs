namespace CompletionLsp.Cli;

/// <summary>A small, strict argument parser: positional arguments and --name value / --flag options.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    public List<string> Positional { get; } = new();

    public Args(IEnumerable<string> args, IReadOnlySet<string> flags, IReadOnlySet<string> valued)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var a = e.Current;
            if (a.StartsWith("--", StringComparison.Ordinal) || (a.StartsWith('-') && a.Length == 2 && !char.IsDigit(a[1])))
            {
                string name = a, value = "";
                int eq = a.IndexOf('=');
                if (eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; }
                if (flags.Contains(name)) { _options[name] = "true"; continue; }
                if (!valued.Contains(name)) throw new UsageException($"unknown option '{name}'");
                if (eq < 0)
                {
                    if (!e.MoveNext()) throw new UsageException($"option '{name}' needs a value");
                    value = e.Current;
                }
                _options[name] = value;
            }
            else Positional.Add(a);
        }
    }

    public bool Flag(string name) => _options.ContainsKey(name);
    public string? Get(string name) => _options.GetValueOrDefault(name);
    public string? Get(string name, string alias) => _options.GetValueOrDefault(name) ?? _options.GetValueOrDefault(alias);

    public int Int(string name, int def, int min = int.MinValue, int max = int.MaxValue)
    {
        var v = Get(name);
        if (v == null) return def;
        if (!int.TryParse(v, out int r) || r < min || r > max) throw new UsageException($"option '{name}' wants a whole number in {min}..{max}, not '{v}'");
        return r;
    }

    public double Double(string name, double def)
    {
        var v = Get(name);
        if (v == null) return def;
        if (!double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double r))
            throw new UsageException($"option '{name}' wants a number, not '{v}'");
        return r;
    }
}

public sealed class UsageException(string message) : Exception(message);
