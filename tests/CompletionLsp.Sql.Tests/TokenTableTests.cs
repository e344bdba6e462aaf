using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;
using CompletionLsp.Sql;

namespace CompletionLsp.Sql.Tests;

public sealed class TokenTableTests
{
    [Fact]
    public void The_token_table_round_trips_through_Parquet()
    {
        using var dir = new TempDir("tokens");
        var options = new TrainOptions { Root = Path.Combine(Repo.Src, "CompletionLsp.Core"), AllFiles = true };
        var files = Trainer.TrainingFiles(options, []).ToList();
        var path = dir.Combine("tokens.parquet");
        var info = TokenTableParquet.Write(path, files, ["/some/root"], rowGroupRows: 10_000, default);
        Assert.Equal(files.Count, info.Files);
        Assert.Equal(files.Sum(f => (long)f.Tokens.Length), info.Tokens);
        Assert.Equal(info.Tokens + 2 * info.Files, info.Rows);
        Assert.True(info.Rows > 50_000, "several row groups"); // the table is read across row groups, a file split between two
        Assert.Equal(files.Count(f => Split.IsValidation(f.RelativePath)), info.HeldOutFiles);
        Assert.Equal(["/some/root"], TokenTableParquet.SourceRoots(path));

        using var rows = TokenTableParquet.Read(path).GetEnumerator();
        for (int fi = 0; fi < files.Count; fi++)
        {
            var f = files[fi];
            bool held = Split.IsValidation(f.RelativePath);
            Assert.True(rows.MoveNext());
            Assert.Equal(new TokenRow(fi, 0, "<s>", LiteralClass.None, TokenKind.Special, 3, false, 0, held), rows.Current);
            for (int i = 0; i < f.Tokens.Length; i++)
            {
                Assert.True(rows.MoveNext());
                var t = f.Tokens[i];
                Assert.Equal(new TokenRow(fi, i + 1, t.Text, t.Class, t.Kind, t.Text.Length, t.Text.Contains('\n'), f.Gaps[i], held), rows.Current);
            }
            Assert.True(rows.MoveNext());
            Assert.Equal(new TokenRow(fi, f.Tokens.Length + 1, "</s>", LiteralClass.None, TokenKind.Special, 4, false, 0, held), rows.Current);
        }
        Assert.False(rows.MoveNext());
    }

    [Fact]
    public void A_token_that_UTF8_cannot_keep_is_refused_not_merged()
    {
        using var dir = new TempDir("tokens-surrogate");
        var file = new TokenizedFile("A.cs", [new LexToken(0, 3, "\"\uD800\"", TokenKind.Literal, LiteralClass.String)], [0]);
        var e = Assert.Throws<IOException>(() => TokenTableParquet.Write(dir.Combine("t.parquet"), [file]));
        Assert.Contains("surrogate", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)); // no table, no temporary file
        var pair = new TokenizedFile("B.cs", [new LexToken(0, 4, "\"𝑥\"", TokenKind.Literal, LiteralClass.String)], [0]);
        TokenTableParquet.Write(dir.Combine("t.parquet"), [pair]);
        Assert.Equal("\"𝑥\"", TokenTableParquet.Read(dir.Combine("t.parquet")).ElementAt(1).Text);
    }

    [Fact]
    public void A_Parquet_file_that_is_not_a_token_table_is_refused()
    {
        using var dir = new TempDir("tokens-bad");
        var table = dir.Combine("tokens.parquet");
        TokenTableParquet.Write(table, [], []);
        Assert.Empty(TokenTableParquet.Read(table));
        var counts = DuckDbCounter.WriteCounts(table, dir.Combine("counts"), new SqlCountOptions());
        Assert.Equal(0, counts.Files);
        var other = Directory.GetFiles(dir.Combine("counts", "vocabulary"), "*.parquet")[0];
        Assert.Throws<InvalidDataException>(() => TokenTableParquet.Read(other).ToList());
    }
}
