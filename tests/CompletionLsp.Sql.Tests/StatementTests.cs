using System.Text.RegularExpressions;
using CompletionLsp.Sql;

namespace CompletionLsp.Sql.Tests;

/// <summary>The statements are meant to run on Spark SQL unchanged: no DuckDB-only syntax, explicit null order, and
/// every table behind a placeholder.</summary>
public sealed class StatementTests
{
    public static TheoryData<string> Names => new(SqlStatements.Names);

    /// <summary>DuckDB syntax and functions that Spark SQL does not have (or reads otherwise).</summary>
    private static readonly string[] DuckDbOnly =
    [
        "GROUP BY ALL", "ORDER BY ALL", "::", "QUALIFY", "EXCLUDE", "COLUMNS(", "* REPLACE", "USING SAMPLE", "SUMMARIZE",
        "read_parquet", "read_csv", "parquet_scan", "list_", "struct_pack", "arg_max", "arg_min", "string_agg", "epoch",
        "strftime", "regexp_matches", "ILIKE", "PIVOT", "UNPIVOT", "CREATE MACRO", "INSERT OR", "ON CONFLICT", "RETURNING",
        "$1", "?", "\"", "`", ";", "FROM (SELECT", "IS DISTINCT", "MAP {", "[", "]",
    ];

    private static string Code(string name) => string.Join("\n", SqlStatements.Text(name).Split('\n').Select(l => Regex.Replace(l, "--.*$", "")));

    [Theory]
    [MemberData(nameof(Names))]
    public void A_statement_uses_no_DuckDB_only_construct(string name)
    {
        var code = Code(name);
        foreach (var c in DuckDbOnly) Assert.False(code.Contains(c, StringComparison.OrdinalIgnoreCase), $"{name}.sql uses {c}");
        // A FROM or JOIN names a placeholder or a subquery, never a table of one engine.
        foreach (Match m in Regex.Matches(code, @"\b(FROM|JOIN)\s+(\S+)", RegexOptions.IgnoreCase))
            Assert.True(m.Groups[2].Value.StartsWith("${", StringComparison.Ordinal) || m.Groups[2].Value == "(", $"{name}.sql: {m.Value}");
        // Every sort key says where NULLs go (DuckDB puts them last by default, Spark first).
        foreach (Match m in Regex.Matches(code, @"ORDER BY\s+(.*?)(\)|$)", RegexOptions.IgnoreCase | RegexOptions.Singleline))
            foreach (var key in m.Groups[1].Value.Split(','))
                Assert.Matches(@"\s(ASC|DESC)\s+NULLS\s+(FIRST|LAST)\s*$", key);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_placeholder_is_one_the_runners_know(string name)
    {
        string[] known = ["tokens", "vocabulary", "ids", "records", "order", "min_count", "literal_min_count", "max_literal_length", "counted"];
        Assert.All(SqlStatements.Placeholders(name), p => Assert.Contains(p, known));
        var bound = SqlStatements.Bind(name, known.ToDictionary(k => k, k => k));
        Assert.DoesNotContain("${", bound);
        // Not in a comment: a runner replaces every placeholder, and a query put in a comment would end it.
        foreach (var line in SqlStatements.Text(name).Split('\n'))
            Assert.DoesNotContain("${", line.Contains("--", StringComparison.Ordinal) ? line[line.IndexOf("--", StringComparison.Ordinal)..] : "");
    }

    [Fact]
    public void A_placeholder_without_a_value_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => SqlStatements.Bind("ngrams", new Dictionary<string, string>()));
        Assert.Contains("${", e.Message);
    }
}
