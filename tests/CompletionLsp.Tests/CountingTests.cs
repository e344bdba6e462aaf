using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Models.Counting;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Tests;

/// <summary>Counting in bounded memory, count shards and their merge, on this repository's own sources.</summary>
public sealed class CountingTests
{
    private static readonly string[] Parts = ["Syntax", "Corpus", "Models", "Engine"];
    private static string Part(string name) => Path.Combine(Repo.Src, "CompletionLsp.Core", name);

    private static void SameCounts(NGramCounts a, NGramCounts b)
    {
        Assert.Equal(a.Order, b.Order);
        Assert.Equal(a.VocabSize, b.VocabSize);
        for (int n = 0; n < a.Order; n++)
        {
            Assert.Equal(a.Words[n], b.Words[n]);
            Assert.Equal(a.Counts[n], b.Counts[n]);
            if (n < a.Order - 1) Assert.Equal(a.ChildStart[n], b.ChildStart[n]);
        }
    }

    /// <summary>Every stored probability and backoff weight, compared as bits.</summary>
    private static void SameProbabilities(NGramModel a, NGramModel b)
    {
        var ta = a.KneserNeyTables!; var tb = b.KneserNeyTables!;
        for (int n = 0; n < a.Counts.Order; n++)
        {
            Assert.Equal(ta.Prob[n].Select(BitConverter.SingleToInt32Bits), tb.Prob[n].Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(ta.Backoff[n].Select(BitConverter.SingleToInt32Bits), tb.Backoff[n].Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Counting_that_spills_sorted_runs_to_disk_gives_the_same_trie()
    {
        var files = Trainer.LoadCorpus(Repo.Src, new WalkOptions(), null, default).Train;
        var vocab = Vocabulary.Build(files.Select(f => f.Tokens), minCount: 2);
        var ids = files.Select(f => vocab.MapAll(f.Tokens)).ToList();
        var inMemory = NGramBuilder.Build(ids, 6, vocab.Count);
        using var temp = new TempDir("spill");
        using var sorter = new NGramSorter(6, memoryBytes: 1 << 17, temp.Path); // 16k tokens a run
        foreach (var f in ids) sorter.AddFile(f);
        var trie = new TrieBuilder(6, vocab.Count);
        sorter.Drain(trie.Add);
        Assert.True(sorter.RunsWritten > 3, $"{sorter.RunsWritten} runs");
        SameCounts(inMemory, trie.Build());
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public void Training_in_a_small_memory_budget_gives_the_same_model()
    {
        var big = Trainer.Train(new TrainOptions { Root = Part("Models") });
        using var temp = new TempDir("budget");
        var small = Trainer.Train(new TrainOptions { Root = Part("Models"), MemoryBytes = 1 << 15, TempDir = temp.Path });
        SameCounts(big.NGram.Counts, small.NGram.Counts);
        Assert.Equal(big.Vocabulary.Words, small.Vocabulary.Words);
        Assert.Equal(big.Cache.DocumentBeta, small.Cache.DocumentBeta);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path)); // token store and runs are gone
    }

    [Fact]
    public void A_model_merged_from_four_shards_equals_the_model_trained_in_one_go_to_the_last_bit()
    {
        using var dir = new TempDir("shards");
        var shards = Parts.Select((p, i) =>
        {
            var path = dir.Combine($"shard{i}");
            var info = CountShard.Write(path, new TrainOptions { Root = Part(p), TuneCache = false });
            Assert.True(info.Tokens > 1000 && info.Records > 0, p);
            return path;
        }).ToList();
        var merged = CountShard.Merge(shards, minCount: 2);
        var oneGo = Trainer.Train(new TrainOptions { Root = Part(Parts[0]), MoreRoots = Parts.Skip(1).Select(Part).ToArray(), TuneCache = false });

        Assert.Equal(oneGo.Vocabulary.Words, merged.Vocabulary.Words);
        SameCounts(oneGo.NGram.Counts, merged.NGram.Counts);
        SameProbabilities(oneGo.NGram, merged.NGram);
        Assert.Equal(oneGo.Info.Tokens, merged.Info.Tokens);
        Assert.Equal(oneGo.Info.Files, merged.Info.Files);
        // The files agree byte for byte, but for the training information (times, paths).
        oneGo.Save(dir.Combine("one.model"));
        merged.Save(dir.Combine("merged.model"));
        var a = ModelFile.Read(dir.Combine("one.model"));
        var b = ModelFile.Read(dir.Combine("merged.model"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var tag in a.Keys.Where(t => t != "META")) Assert.True(a[tag].AsSpan().SequenceEqual(b[tag]), tag);
        // A probability the model is queried for, through the same path the server uses.
        var m = ModelBundle.Load(dir.Combine("merged.model")).NGram;
        var test = Trainer.LoadCorpus(Part("Models"), new WalkOptions(), null, default).Train[0];
        var idsA = oneGo.Vocabulary.MapAll(test.Tokens);
        for (int i = 1; i < Math.Min(idsA.Length, 400); i++)
        {
            var ctx = idsA.AsSpan(Math.Max(0, i - 5), Math.Min(i, 5));
            Assert.Equal(BitConverter.DoubleToInt64Bits(oneGo.NGram.Probability(ctx, idsA[i])), BitConverter.DoubleToInt64Bits(m.Probability(ctx, idsA[i])));
        }
    }

    [Fact]
    public void Shards_and_models_are_not_taken_for_each_other()
    {
        using var dir = new TempDir("kinds");
        var shard = dir.Combine("shard");
        CountShard.Write(shard, new TrainOptions { Root = Part("Syntax"), Order = 3 });
        var e = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(shard));
        Assert.Contains("count shard", e.Message);
        Assert.Contains("merge", e.Message);

        var model = dir.Combine("model");
        Trainer.Train(new TrainOptions { Root = Part("Syntax"), TuneCache = false }).Save(model);
        e = Assert.Throws<ModelFormatException>(() => CountShard.Merge([shard, model], 2));
        Assert.Contains("not a count shard", e.Message);

        var other = dir.Combine("shard4");
        CountShard.Write(other, new TrainOptions { Root = Part("Corpus"), Order = 4 });
        e = Assert.Throws<ModelFormatException>(() => CountShard.Merge([shard, other], 2));
        Assert.Contains("order", e.Message);
    }

    [Fact]
    public void Temporary_files_of_a_killed_training_are_removed_by_the_next_one()
    {
        using var temp = new TempDir("stale");
        // A process id that no process has (above the kernel's pid_max), and this process's own.
        var stale = Directory.CreateDirectory(Path.Combine(temp.Path, NGramSorter.RunsPrefix + "99999999-0123")).FullName;
        File.WriteAllText(Path.Combine(stale, "run00000"), "x");
        File.WriteAllText(Path.Combine(temp.Path, TokenStore.Prefix + "99999999-0123.tmp"), "x");
        var mine = Path.Combine(temp.Path, TokenStore.Prefix + Environment.ProcessId + "-0123.tmp");
        File.WriteAllText(mine, "x");
        var b = Trainer.Train(new TrainOptions { Root = Part("Syntax"), MemoryBytes = 1 << 15, TempDir = temp.Path, TuneCache = false });
        Assert.True(b.Info.Tokens > 0);
        Assert.False(Directory.Exists(stale));
        Assert.False(File.Exists(Path.Combine(temp.Path, TokenStore.Prefix + "99999999-0123.tmp")));
        Assert.True(File.Exists(mine)); // a live process's file is kept
        Assert.Equal([mine], Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public void The_trie_builder_refuses_records_out_of_order()
    {
        var t = new TrieBuilder(3, 20);
        t.Add([9, 10], 2);
        Assert.Throws<InvalidDataException>(() => t.Add([9], 1));      // a prefix after its extension
        Assert.Throws<InvalidDataException>(() => t.Add([9, 10], 1));  // the same record twice
        Assert.Throws<InvalidDataException>(() => t.Add([8, 12], 1));  // smaller
        Assert.Throws<InvalidDataException>(() => t.Add([9, 11, 1, 4], 1)); // longer than the order
        Assert.Throws<InvalidDataException>(() => t.Add([9, 25], 1));  // id out of range
        t.Add([9, 11], 1);
        var c = t.Build();
        Assert.Equal(3, c.CountOf([9]));
        Assert.Equal(2, c.CountOf([9, 10]));
        Assert.Equal(1, c.CountOf([9, 11]));
        Assert.Equal(0, c.CountOf([10]));
    }

    [Fact]
    public void Vocabulary_ties_are_in_code_point_order_as_sql_engines_sort()
    {
        // U+FF01 sorts after U+1F600 in UTF-16 order, before it by code point (and as UTF-8 bytes).
        string bmp = "\uFF01", astral = "\U0001F600";
        Assert.True(string.CompareOrdinal(astral, bmp) < 0);
        Assert.True(CodePointComparer.Instance.Compare(bmp, astral) < 0);
        var bytes = (string s) => System.Text.Encoding.UTF8.GetBytes(s);
        Assert.True(bytes(bmp).AsSpan().SequenceCompareTo(bytes(astral)) < 0);
    }
}
