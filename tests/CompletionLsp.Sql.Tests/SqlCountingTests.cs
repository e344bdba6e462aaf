using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;
using CompletionLsp.Sql;

namespace CompletionLsp.Sql.Tests;

/// <summary>The SQL engine (DuckDB over the Parquet token table) against the in-memory engine, on this repository's own
/// sources: the same vocabulary, counts, spacing and cache, to the bit.</summary>
public sealed class SqlCountingTests
{
    private static string Core(string part = "") => Path.Combine(Repo.Src, "CompletionLsp.Core", part);

    internal static void SameModel(ModelBundle expected, ModelBundle actual, TempDir dir)
    {
        Assert.Equal(expected.Vocabulary.Words, actual.Vocabulary.Words);
        Assert.Equal(Enumerable.Range(0, expected.Vocabulary.Count).Select(expected.Vocabulary.KindOf),
            Enumerable.Range(0, actual.Vocabulary.Count).Select(actual.Vocabulary.KindOf));
        var a = expected.NGram.Counts; var b = actual.NGram.Counts;
        Assert.Equal(a.Order, b.Order);
        Assert.Equal(a.VocabSize, b.VocabSize);
        for (int n = 0; n < a.Order; n++)
        {
            Assert.Equal(a.Words[n], b.Words[n]);
            Assert.Equal(a.Counts[n], b.Counts[n]);
            if (n < a.Order - 1) Assert.Equal(a.ChildStart[n], b.ChildStart[n]);
        }
        Assert.Equal(expected.Spacing.Serialize(), actual.Spacing.Serialize());
        Assert.Equal(expected.Cache.DocumentBeta, actual.Cache.DocumentBeta);
        Assert.Equal(expected.Info.Files, actual.Info.Files);
        Assert.Equal(expected.Info.Tokens, actual.Info.Tokens);
        // The model files agree section by section (smoothed tables included), but for the training information.
        var pa = dir.Combine($"expected-{Guid.NewGuid():N}.model"); var pb = dir.Combine($"actual-{Guid.NewGuid():N}.model");
        expected.Save(pa);
        actual.Save(pb);
        var fa = ModelFile.Read(pa); var fb = ModelFile.Read(pb);
        Assert.Equal(fa.Keys.Order(), fb.Keys.Order());
        foreach (var tag in fa.Keys.Where(t => t != "META")) Assert.True(fa[tag].AsSpan().SequenceEqual(fb[tag]), tag);
    }

    [Theory]
    [InlineData(6, 2)]
    [InlineData(3, 1)]
    [InlineData(1, 3)]
    public void DuckDb_counts_equal_the_in_memory_engine_on_real_sources(int order, int minCount)
    {
        using var dir = new TempDir("sql");
        var options = new TrainOptions { Root = Core(), TuneCache = false, Order = order, MinCount = minCount, TempDir = dir.Combine("tmp") };
        var memory = Trainer.Train(options);
        var duck = DuckDbCounter.Train(options);
        Assert.True(memory.Vocabulary.Count > 1000 && memory.Info.Tokens > 40_000, $"{memory.Vocabulary.Count} words, {memory.Info.Tokens} tokens");
        SameModel(memory, duck, dir);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Combine("tmp"))); // database, spill files and token table are gone
    }

    [Fact]
    public void The_tuned_cache_is_the_same_as_the_in_memory_engine_s()
    {
        // The model of the files not held out is counted by the same statements with held-out rows not counted.
        using var dir = new TempDir("sql-tune");
        var options = new TrainOptions { Root = Core() };
        var memory = Trainer.Train(options);
        var duck = DuckDbCounter.Train(options);
        Assert.NotEqual(CacheOptions.Default.DocumentBeta, memory.Cache.DocumentBeta); // the tuning did something
        SameModel(memory, duck, dir);
    }

    [Fact]
    public void Counting_in_a_small_DuckDB_memory_limit_gives_the_same_counts()
    {
        using var dir = new TempDir("sql-small");
        var options = new TrainOptions { Root = Core("Models"), TuneCache = false, MemoryBytes = 64L << 20, TempDir = dir.Path };
        SameModel(Trainer.Train(options with { MemoryBytes = 1L << 30 }), DuckDbCounter.Train(options), dir);
    }

    [Fact]
    public void Spark_style_counts_written_to_Parquet_import_into_the_same_model()
    {
        using var dir = new TempDir("sql-import");
        var options = new TrainOptions { Root = Core("Models"), TuneCache = false };
        var table = dir.Combine("tokens.parquet");
        var info = TokenTableParquet.Write(table, Trainer.TrainingFiles(options, []), [Core("Models")]);
        var counts = DuckDbCounter.WriteCounts(table, dir.Combine("counts"), new SqlCountOptions());
        Assert.Equal(info.Files, counts.Files);
        Assert.Equal(info.Tokens, counts.Tokens);
        foreach (var part in new[] { "vocabulary", "records", "spacing" })
            Assert.NotEmpty(Directory.GetFiles(dir.Combine("counts", part), "*.parquet"));
        var imported = DuckDbCounter.ImportCounts(dir.Combine("counts"));
        Assert.Equal([Core("Models")], imported.Info.SourceRoots);
        SameModel(Trainer.Train(options), imported, dir);
    }

    [Fact]
    public void A_counts_folder_without_its_parts_is_refused()
    {
        using var dir = new TempDir("sql-bad");
        var e = Assert.Throws<InvalidDataException>(() => DuckDbCounter.ImportCounts(dir.Path));
        Assert.Contains("counts.json", e.Message);
        dir.File("counts.json", """{"order": 6, "min_count": 2, "files": 1, "tokens": 3}""");
        e = Assert.Throws<InvalidDataException>(() => DuckDbCounter.ImportCounts(dir.Path));
        Assert.Contains("vocabulary/", e.Message);
    }

    [Fact]
    public void Tricky_spellings_get_the_same_ids_as_in_memory()
    {
        // Ties broken in code-point order (U+FF21 before a surrogate pair, unlike UTF-16 order), a spelling that is code
        // and interpolated text, literals too long or with a line break, an identifier seen once, a keyword and a
        // contextual keyword, and files in the validation tenth.
        using var repo = new TempDir("sql-tricky");
        for (int i = 0; i < 12; i++)
            repo.File($"F{i}.cs", $$""""
                class C{{i % 3}} {
                    string a = "\uFF21"; string b = "Ａ"; string c = "𝑥"; string d = "Ａ"; string e = "𝑥"; string f = "Ａ"; string g = "𝑥";
                    string h = $"({x}) and ({y})"; int x = (1 + 2) * 3; var y = "a string literal much longer than twenty-four units";
                    string z = """
                        two
                        lines
                        """;
                    async void M{{i}}() { await y; int once{{i}} = 0; }
                }
                """");
        using var dir = new TempDir("sql-tricky-out");
        foreach (var minCount in new[] { 1, 2, 4 })
        {
            var options = new TrainOptions { Root = repo.Path, TuneCache = false, AllFiles = true, MinCount = minCount };
            var memory = Trainer.Train(options);
            Assert.Contains("Ａ", memory.Vocabulary.Words.Select(w => w.Trim('"')));
            SameModel(memory, DuckDbCounter.Train(options), dir);
        }
    }
}
