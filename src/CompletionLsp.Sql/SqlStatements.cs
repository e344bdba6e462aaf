using System.Text.RegularExpressions;

namespace CompletionLsp.Sql;

/// <summary>
/// The counting statements (sql/*.sql, embedded): plain SELECTs written for DuckDB and Spark SQL alike. Tables and
/// parameters are placeholders, <c>${name}</c>, that the runner replaces: a table by something a FROM takes with an
/// alias (DuckDB: <c>read_parquet('...')</c>, a table or a parenthesized query; Spark: a temporary view's name),
/// a parameter by a literal or a condition.
/// </summary>
public static partial class SqlStatements
{
    /// <summary>In the order they run: vocabulary, the id of every token, the n-gram records, the records in the
    /// trie's order, the spacing pairs.</summary>
    public static readonly IReadOnlyList<string> Names = ["vocabulary", "ids", "ngrams", "ordered_records", "spacing"];

    /// <summary>The statement's text as stored (with its placeholders).</summary>
    public static string Text(string name)
    {
        using var s = typeof(SqlStatements).Assembly.GetManifestResourceStream(name + ".sql")
            ?? throw new ArgumentException($"no SQL statement {name}", nameof(name));
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>The statement with every placeholder replaced.</summary>
    /// <exception cref="ArgumentException">A placeholder has no value.</exception>
    public static string Bind(string name, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(Text(name), m => values.TryGetValue(m.Groups[1].Value, out var v)
            ? v : throw new ArgumentException($"{name}.sql: no value for ${{{m.Groups[1].Value}}}", nameof(values)));

    /// <summary>The placeholders a statement uses.</summary>
    public static IReadOnlySet<string> Placeholders(string name) =>
        Placeholder().Matches(Text(name)).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\$\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
