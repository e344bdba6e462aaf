using System.Text;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Tests;

/// <summary>The model file: a round trip keeps everything; every damaged, foreign or lying file is refused with a
/// <see cref="ModelFormatException"/> that names the file and the problem, never another exception.</summary>
[Collection(TrainedModelCollection.Name)]
public sealed class ModelFileTests(TrainedModelFixture fx) : IDisposable
{
    private readonly TempDir _dir = new("modelfile");

    public void Dispose() => _dir.Dispose();

    private ModelFormatException Refused(string path)
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelBundle.Load(path));
        Assert.Equal(path, e.Path);
        Assert.StartsWith(path + ": ", e.Message);
        return e;
    }

    private ModelFormatException Refused(byte[] bytes, string name = "bad")
    {
        var path = _dir.Bytes(name, bytes);
        return Refused(path);
    }

    /// <summary>A small model (a few files, order 3) for tests that load many variants.</summary>
    private ModelBundle Small()
    {
        var b = Trainer.Build(fx.Corpus.Train.Take(6).ToList(), new TrainOptions { Root = Repo.Src, Order = 3 });
        return b;
    }

    private static readonly string[] Tags = ["META", "VOCA", "NGRM", "CACH", "MIXW", "SPAC"];

    private static List<(string Tag, byte[] Payload)> Sections(string path)
    {
        var s = ModelFile.Read(path);
        return s.OrderBy(kv => Array.IndexOf(Tags, kv.Key) is var i && i < 0 ? 100 : i).Select(kv => (kv.Key, kv.Value)).ToList();
    }

    // ---- round trip ----

    [Fact]
    public void Save_and_load_give_identical_vocabulary_counts_and_probabilities()
    {
        var a = fx.Bundle;
        var b = fx.LoadFresh();
        Assert.Equal(a.Vocabulary.StaticCount, b.Vocabulary.StaticCount);
        for (int i = 0; i < a.Vocabulary.StaticCount; i++)
        {
            Assert.Equal(a.Vocabulary[i], b.Vocabulary[i]);
            Assert.Equal(a.Vocabulary.KindOf(i), b.Vocabulary.KindOf(i));
        }
        var ca = a.NGram.Counts; var cb = b.NGram.Counts;
        Assert.Equal(ca.Order, cb.Order);
        for (int n = 0; n < ca.Order; n++)
        {
            Assert.Equal(ca.Words[n], cb.Words[n]);
            Assert.Equal(ca.Counts[n], cb.Counts[n]);
            if (n < ca.Order - 1) Assert.Equal(ca.ChildStart[n], cb.ChildStart[n]);
        }
        Assert.Equal(a.NGram.Options, b.NGram.Options);
        Assert.Equal(a.Cache.DocumentBeta, b.Cache.DocumentBeta);
        Assert.Equal(a.Cache.RecentBeta, b.Cache.RecentBeta);
        Assert.Equal(a.Info.Files, b.Info.Files);
        Assert.Equal(a.Info.Tokens, b.Info.Tokens);
        Assert.Equal(a.Info.SourceRoot, b.Info.SourceRoot);
        Assert.Equal(a.Spacing.Serialize(), b.Spacing.Serialize());

        // Probabilities: every token after contexts taken from a test file.
        var f = fx.Corpus.Test[0];
        var ids = new[] { Vocabulary.Bos }.Concat(a.Vocabulary.MapAll(f.Tokens)).ToArray();
        for (int i = 1; i < ids.Length; i += Math.Max(1, ids.Length / 25))
            for (int w = 0; w < a.Vocabulary.StaticCount; w += 7)
                Assert.Equal(a.NGram.Probability(ids[..i], w), b.NGram.Probability(ids[..i], w));
    }

    [Fact]
    public void Mixture_weights_cache_settings_add_delta_and_unknown_sections_survive_a_round_trip()
    {
        var s = Small();
        var bundle = new ModelBundle
        {
            Vocabulary = s.Vocabulary,
            NGram = new NGramModel(s.Vocabulary, s.NGram.Counts, new NGramOptions(3, SmoothingKind.AddDelta, 0.25)),
            Spacing = s.Spacing,
            Cache = new CacheOptions([double.PositiveInfinity, 12.5, 3], [7, 2]),
            MixtureWeights = new() { ["ngram"] = 0.7, ["lstm"] = 0.3 },
            ExtraSections = new() { ["LSTM"] = [1, 2, 3, 4, 5], ["ZZZZ"] = [] },
            Info = new TrainingInfo { Files = 6, Tokens = 1234, MinCount = 2, Models = ["ngram", "lstm"] },
        };
        var path = Path.Combine(_dir.Path, "sub", "folder", "model"); // folders are created
        bundle.Save(path);
        var back = ModelBundle.Load(path);
        Assert.Equal(SmoothingKind.AddDelta, back.NGram.Options.Smoothing);
        Assert.Equal(0.25, back.NGram.Options.Delta);
        Assert.Equal(bundle.Cache.DocumentBeta, back.Cache.DocumentBeta);
        Assert.Equal(bundle.Cache.RecentBeta, back.Cache.RecentBeta);
        Assert.Equal(bundle.MixtureWeights, back.MixtureWeights);
        Assert.Equal(bundle.ExtraSections.Keys.Order(), back.ExtraSections.Keys.Order());
        Assert.Equal(bundle.ExtraSections["LSTM"], back.ExtraSections["LSTM"]);
        Assert.Equal(["ngram", "lstm"], back.Info.Models);
        Assert.Equal(bundle.NGram.Probability([Vocabulary.Bos], Vocabulary.Eos), back.NGram.Probability([Vocabulary.Bos], Vocabulary.Eos));
    }

    [Fact]
    public void Describe_gives_what_info_and_the_server_show_in_plain_values()
    {
        var s = Small();
        var bundle = new ModelBundle
        {
            Vocabulary = s.Vocabulary,
            NGram = new NGramModel(s.Vocabulary, s.NGram.Counts, new NGramOptions(3, SmoothingKind.AddDelta, 0.25)),
            Spacing = s.Spacing,
            MixtureWeights = new() { ["ngram"] = 0.7, ["lstm"] = 0.3, ["gru"] = 0 },
            ExtraSections = new() { ["LSTM"] = new byte[3000], ["ZZZZ"] = [] },
            Info = new TrainingInfo { SourceRoot = "/src", Files = 6, Tokens = 1234, MinCount = 2, Models = ["ngram", "lstm"] },
        };
        var path = Path.Combine(_dir.Path, "described");
        bundle.Save(path);
        var d = ModelBundle.Load(path).Describe(path);
        Assert.Equal(Path.GetFullPath(path), d.Path);
        Assert.Equal(new FileInfo(path).Length, d.FileBytes);
        Assert.Equal(ModelFile.Version, d.FormatVersion);
        Assert.Equal(("/src", 6, 1234L, 2), (d.SourceRoot, d.Files, d.Tokens, d.MinCount));
        Assert.Equal(s.Vocabulary.StaticCount, d.Vocabulary);
        Assert.Equal(3, d.Order);
        Assert.Equal(s.NGram.Counts.Words.Select(w => w.Length), d.NGrams);
        Assert.Equal(("add-delta", "add-delta 0.25"), (d.SmoothingName, d.SmoothingText));
        Assert.Null(d.Discounts);
        Assert.Equal(s.Spacing.PairCount, d.SpacingPairs);
        Assert.Equal(["ngram", "lstm"], d.Models);
        Assert.Equal(["lstm"], d.NeuralMembers); // weighted members other than the n-gram
        Assert.Equal([("LSTM", 3000), ("ZZZZ", 0)], d.Sections.OrderBy(x => x.Tag));

        var kn = fx.Bundle.Describe();
        Assert.Null(kn.Path);
        Assert.Null(kn.FileBytes);
        Assert.Equal(("kneser-ney", "interpolated modified Kneser-Ney"), (kn.SmoothingName, kn.SmoothingText));
        Assert.Equal(kn.Order, kn.Discounts!.Count);
        Assert.Empty(kn.NeuralMembers);
    }

    [Fact]
    public void Dynamic_words_added_while_editing_are_not_saved()
    {
        var b = fx.LoadFresh();
        int stat = b.Vocabulary.StaticCount;
        var engine = new CompletionEngine();
        engine.LoadModel(b);
        engine.Open("file:///x.cs", "class Q { int someNameNeverSeenBefore; }", 1);
        Assert.True(b.Vocabulary.Count > stat);
        var path = Path.Combine(_dir.Path, "resaved");
        b.Save(path);
        var back = ModelBundle.Load(path);
        Assert.Equal(stat, back.Vocabulary.Count);
        Assert.False(back.Vocabulary.TryGetId("someNameNeverSeenBefore", out _));
    }

    // ---- damaged files ----

    [Fact]
    public void A_file_truncated_anywhere_is_refused_as_empty_or_truncated()
    {
        var bytes = File.ReadAllBytes(fx.ModelPath);
        for (int k = 0; k < 16; k++)
        {
            int len = (int)((long)bytes.Length * k / 16);
            var e = Refused(bytes[..len], $"trunc{k}");
            if (len == 0) Assert.Contains("empty", e.Problem);
            else Assert.Contains("truncated", e.Problem);
        }
        foreach (int cut in new[] { 1, 7, 8, 16, 17 })
            Assert.Contains("truncated", Refused(bytes[..^cut], $"cut{cut}").Problem);
        foreach (int len in new[] { 8, 12, 19 })
            Assert.Contains("truncated", Refused(bytes[..len], $"head{len}").Problem);
    }

    [Fact]
    public void Flipped_bytes_anywhere_are_refused()
    {
        var bytes = File.ReadAllBytes(fx.ModelPath);
        var rng = new Random(42);
        var positions = Enumerable.Range(0, 60).Select(_ => rng.Next(bytes.Length))
            .Concat([0, 8, 12, 13, 16, 20, 24, bytes.Length - 16, bytes.Length - 9, bytes.Length - 1]).ToList();
        foreach (var pos in positions)
        {
            var copy = (byte[])bytes.Clone();
            copy[pos] ^= (byte)(1 << rng.Next(8));
            var e = Refused(copy, "flip");
            // Declared section sizes are checked before the file is read whole: a flip in one is reported as such.
            if (pos >= 20 && pos < bytes.Length - 16)
                Assert.True(e.Problem.Contains("checksum") || e.Problem.Contains("overruns") || e.Problem.Contains("trailing bytes"), e.Problem);
        }
    }

    [Fact]
    public void Foreign_files_are_refused_as_not_a_model()
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0];
        Assert.Contains("not a CompletionLsp model file", Refused(png, "image.png").Problem);
        Assert.Contains("not a CompletionLsp model file", Refused(Encoding.UTF8.GetBytes("namespace N; class C { }\n"), "code.cs").Problem);
        Assert.Contains("not a CompletionLsp model file", Refused("CLSP"u8.ToArray(), "short").Problem);
        Assert.Contains("not a CompletionLsp model file", Refused(Encoding.ASCII.GetBytes("\\data\\\nngram 1=3\n"), "lm.arpa").Problem);
    }

    [Fact]
    public void Empty_missing_wrong_version_and_incomplete_files_say_so()
    {
        Assert.Contains("empty", Refused([], "zero").Problem);
        Assert.Contains("not found", Refused(Path.Combine(_dir.Path, "no-such-model")).Problem);
        Assert.Contains("not found", Refused(Path.Combine(_dir.Path, "no-such-folder", "model")).Problem);

        var bytes = File.ReadAllBytes(fx.ModelPath);
        var v2 = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(v2.AsSpan(8), 2u);
        var e = Refused(v2, "v2");
        Assert.Contains("version 2 is not supported", e.Problem);
        Assert.Contains("retrain", e.Problem);

        var incomplete = (byte[])bytes.Clone();
        incomplete[12] = 0;
        Assert.Contains("incomplete", Refused(incomplete, "incomplete").Problem);
    }

    [SkippableFact]
    public void An_unreadable_file_is_refused_as_not_readable()
    {
        Skip.If(OperatingSystem.IsWindows(), "uses Unix permissions");
        var path = _dir.Bytes("locked", File.ReadAllBytes(fx.ModelPath));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.None);
        bool readable;
        try { using var _ = File.OpenRead(path); readable = true; }
        catch (UnauthorizedAccessException) { readable = false; }
        Skip.If(readable, "running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not prevent reading, so this case cannot be produced");
        Assert.Contains("not readable", Refused(path).Problem);
    }

    // ---- containers and payloads that lie ----

    /// <summary>Writes a container byte by byte with a correct checksum, so that only what the test breaks is broken.</summary>
    private static byte[] Container(IEnumerable<(string Tag, byte[] Payload)> sections, uint? sectionCount = null, Func<int, ulong, ulong>? lengthOf = null, byte[]? trailing = null)
    {
        var list = sections.ToList();
        var ms = new MemoryStream();
        ms.Write(ModelFile.Magic);
        ms.Write(BitConverter.GetBytes(ModelFile.Version));
        ms.Write(BitConverter.GetBytes(1u));
        ms.Write(BitConverter.GetBytes(sectionCount ?? (uint)list.Count));
        for (int i = 0; i < list.Count; i++)
        {
            ms.Write(Encoding.ASCII.GetBytes(list[i].Tag));
            ms.Write(BitConverter.GetBytes(lengthOf?.Invoke(i, (ulong)list[i].Payload.Length) ?? (ulong)list[i].Payload.Length));
            ms.Write(list[i].Payload);
        }
        if (trailing != null) ms.Write(trailing);
        // FNV-1a 64 of everything before the trailer.
        ulong h = 14695981039346656037UL;
        foreach (var b in ms.ToArray()) { h ^= b; h *= 1099511628211UL; }
        ms.Write(ModelFile.EndMagic);
        ms.Write(BitConverter.GetBytes(h));
        return ms.ToArray();
    }

    private string SmallModelPath()
    {
        var path = Path.Combine(_dir.Path, "small");
        if (!File.Exists(path)) Small().Save(path);
        return path;
    }

    [Fact]
    public void The_test_container_writer_agrees_with_the_real_one()
    {
        var path = SmallModelPath();
        Assert.Equal(File.ReadAllBytes(path), Container(Sections(path)));
    }

    [Fact]
    public void A_section_table_that_lies_about_lengths_or_counts_is_refused()
    {
        var sections = Sections(SmallModelPath());
        Assert.Contains("overruns", Refused(Container(sections, sectionCount: (uint)sections.Count + 3), "count").Problem);
        Assert.Contains("overruns", Refused(Container(sections, sectionCount: uint.MaxValue), "count-max").Problem);
        Assert.Contains("trailing bytes", Refused(Container(sections, sectionCount: (uint)sections.Count - 1), "count-less").Problem);
        Assert.Contains("overruns", Refused(Container(sections, lengthOf: (i, l) => i == 2 ? l + 1_000_000 : l), "len-big").Problem);
        Assert.Contains("overruns", Refused(Container(sections, lengthOf: (i, l) => i == 1 ? ulong.MaxValue : l), "len-max").Problem);
        Assert.Contains("overruns", Refused(Container(sections, lengthOf: (i, l) => i == sections.Count - 1 ? (ulong)long.MaxValue + 5 : l), "len-huge").Problem);
        // A shorter length shifts the next section's header into the payload: the reader must still refuse cleanly.
        Refused(Container(sections, lengthOf: (i, l) => i == 1 ? l - 3 : l), "len-short");
        Assert.Contains("trailing bytes", Refused(Container(sections, trailing: [1, 2, 3]), "trailing").Problem);
        Assert.Contains("lacks the VOCA section", Refused(Container(sections.Where(s => s.Tag != "VOCA")), "no-voca").Problem);
        Assert.Contains("lacks the NGRM section", Refused(Container(sections.Where(s => s.Tag != "NGRM")), "no-ngrm").Problem);
    }

    private static byte[] Payload(Action<PayloadWriter> write)
    {
        var w = new PayloadWriter();
        write(w);
        return w.ToArray();
    }

    private ModelFormatException WithSection(string tag, byte[] payload, string name)
    {
        var sections = Sections(SmallModelPath()).Select(s => s.Tag == tag ? (tag, payload) : s).ToList();
        return Refused(Container(sections), name);
    }

    [Fact]
    public void Section_payloads_that_lie_about_their_lengths_are_refused_with_the_section_named()
    {
        var s = Small();
        var words = Enumerable.Range(Vocabulary.ReservedCount, s.Vocabulary.StaticCount - Vocabulary.ReservedCount).Select(i => s.Vocabulary[i]).ToList();

        // Vocabulary: a count larger than the data, a count that is negative, a string length past the end, bad UTF-8.
        var e = WithSection("VOCA", Payload(w => w.Int(int.MaxValue)), "voca-count");
        Assert.Contains("section VOCA", e.Problem);
        WithSection("VOCA", Payload(w => w.Int(-1)), "voca-neg");
        e = WithSection("VOCA", Payload(w => { w.Int(words.Count + 5); foreach (var x in words) { w.String(x); w.Int(0); } }), "voca-short");
        Assert.Contains("unexpected end of data", e.Problem);
        e = WithSection("VOCA", [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "voca-strlen");
        Assert.Contains("section VOCA", e.Problem);
        e = WithSection("VOCA", [1, 0, 0, 0, 2, 0xC3, 0x28, 0, 0, 0, 0], "voca-utf8");
        Assert.Contains("UTF-8", e.Problem);
        e = WithSection("VOCA", Payload(w => { w.Int(2); w.String("a"); w.Int(0); w.String("a"); w.Int(0); }), "voca-dup");
        Assert.Contains("duplicate", e.Problem);
        e = WithSection("VOCA", Payload(w => { w.Int(1); w.String("a"); w.Int(99); }), "voca-kind");
        Assert.Contains("bad token kind", e.Problem);

        // N-grams: order out of range, arrays longer than the data, negative lengths, bad trie links, ids out of range.
        var c = s.NGram.Counts;
        byte[] NGram(Action<PayloadWriter>? head = null, Func<int, int[], int[]>? words2 = null, Func<int, int[], int[]>? counts2 = null, Func<int, int[], int[]>? child2 = null, int? order = null) =>
            Payload(w =>
            {
                w.Int(order ?? c.Order); w.Int(0); w.Double(0.01);
                head?.Invoke(w);
                for (int n = 0; n < c.Order; n++)
                {
                    w.Ints(words2?.Invoke(n, n == 0 ? [] : c.Words[n]) ?? (n == 0 ? [] : c.Words[n]));
                    w.Ints(counts2?.Invoke(n, c.Counts[n]) ?? c.Counts[n]);
                    if (n < c.Order - 1) w.Ints(child2?.Invoke(n, c.ChildStart[n]) ?? c.ChildStart[n]);
                }
            });
        Assert.Contains("order 9 outside 1..6", WithSection("NGRM", NGram(order: 9), "ng-order").Problem);
        Assert.Contains("order 0 outside 1..6", WithSection("NGRM", NGram(order: 0), "ng-order0").Problem);
        Assert.Contains("bad array length", WithSection("NGRM", Payload(w => { w.Int(3); w.Int(0); w.Double(0.01); w.Int(int.MaxValue); }), "ng-len").Problem);
        Assert.Contains("bad array length", WithSection("NGRM", Payload(w => { w.Int(3); w.Int(0); w.Double(0.01); w.Int(-7); }), "ng-neg").Problem);
        Assert.Contains("bad array length", WithSection("NGRM", Payload(w => { w.Int(3); w.Int(0); w.Double(0.01); w.Int(0x4000_0001); }), "ng-overflow").Problem);
        Assert.Contains("unknown smoothing", WithSection("NGRM", Payload(w => { w.Int(3); w.Int(7); }), "ng-smooth").Problem);
        Assert.Contains("section NGRM", WithSection("NGRM", NGram(counts2: (n, a) => n == 0 ? a[..^1] : a), "ng-vocab").Problem);
        Assert.Contains("section NGRM", WithSection("NGRM", NGram(words2: (n, a) => n == 1 ? a.Select(_ => int.MaxValue).ToArray() : a), "ng-ids").Problem);
        Assert.Contains("section NGRM", WithSection("NGRM", NGram(words2: (n, a) => n == 2 ? a.Select(_ => -1).ToArray() : a), "ng-negid").Problem);
        Assert.Contains("section NGRM", WithSection("NGRM", NGram(child2: (n, a) => n == 0 ? a.Reverse().ToArray() : a), "ng-unsorted").Problem);
        Assert.Contains("section NGRM", WithSection("NGRM", NGram(child2: (n, a) => n == 1 ? a[..^1] : a), "ng-childlen").Problem);
        Assert.Contains("section NGRM", WithSection("NGRM", NGram(counts2: (n, a) => n == 2 ? a[..^2] : a), "ng-counts").Problem);
        Assert.Contains("count 0 is out of range", WithSection("NGRM", NGram(counts2: (n, a) => n == 2 ? a.Select(_ => 0).ToArray() : a), "ng-zero").Problem);
        Assert.Contains("count -5 is out of range", WithSection("NGRM", NGram(counts2: (n, a) => n == 0 ? a.Select(_ => -5).ToArray() : a), "ng-negcount").Problem);
        Assert.Contains("not sorted", WithSection("NGRM", NGram(words2: (n, a) => n == 1 ? a.Reverse().ToArray() : a), "ng-children").Problem);
        // Trigrams whose suffix bigram does not exist (the table is not suffix-closed).
        Assert.Contains("section NGRM", WithSection("NGRM", NGram(words2: (n, a) => n == 2 ? a.Select(x => x == Vocabulary.Eos ? Vocabulary.CharClass : x).ToArray() : a), "ng-suffix").Problem);
        Assert.Contains("trailing bytes", WithSection("NGRM", [.. NGram(), 0], "ng-trailing").Problem);

        // Cache, mixture, spacing, meta.
        Assert.Contains("bad cache order", WithSection("CACH", Payload(w => w.Int(1000)), "cache-order").Problem);
        Assert.Contains("bad cache concentration", WithSection("CACH", Payload(w => { w.Int(1); w.Double(-1); w.Int(0); }), "cache-neg").Problem);
        Assert.Contains("bad cache concentration", WithSection("CACH", Payload(w => { w.Int(1); w.Double(double.NaN); w.Int(0); }), "cache-nan").Problem);
        Assert.Contains("unexpected end of data", WithSection("CACH", Payload(w => w.Int(3)), "cache-short").Problem);
        Assert.Contains("bad mixture size", WithSection("MIXW", Payload(w => w.Int(-3)), "mix-size").Problem);
        Assert.Contains("bad mixture weight", WithSection("MIXW", Payload(w => { w.Int(1); w.String("ngram"); w.Double(1.5); }), "mix-weight").Problem);
        Assert.Contains("section SPAC", WithSection("SPAC", Payload(w => { w.Int(int.MaxValue); }), "spac-len").Problem);
        Assert.Contains("section SPAC", WithSection("SPAC", Payload(w => { w.Int(2); w.Long(5); w.Long(3); w.Ints([0, 0]); w.Int(0); w.Ints([]); }), "spac-sort").Problem);
        Assert.Contains("section SPAC", WithSection("SPAC", Payload(w => { w.Int(1); w.Long(5); w.Ints([7]); w.Int(0); w.Ints([]); }), "spac-gap").Problem);
        Assert.Contains("section META", WithSection("META", "{ not json"u8.ToArray(), "meta").Problem);
        Assert.Contains("section META", WithSection("META", "null"u8.ToArray(), "meta-null").Problem);
    }

    [Fact]
    public void Random_damage_inside_section_payloads_never_escapes_as_another_exception()
    {
        var sections = Sections(SmallModelPath());
        var rng = new Random(7);
        int refused = 0, loaded = 0;
        for (int n = 0; n < 250; n++)
        {
            int si = rng.Next(sections.Count);
            var (tag, payload) = sections[si];
            if (payload.Length == 0) continue;
            var damaged = (byte[])payload.Clone();
            int flips = 1 + rng.Next(4);
            for (int f = 0; f < flips; f++)
            {
                // Bias towards the length prefixes near the start of a payload.
                int pos = rng.Next(2) == 0 ? rng.Next(Math.Min(64, damaged.Length)) : rng.Next(damaged.Length);
                damaged[pos] = rng.Next(3) == 0 ? (byte)0xFF : (byte)(damaged[pos] ^ (1 << rng.Next(8)));
            }
            var copy = sections.Select((s, i) => i == si ? (tag, damaged) : s).ToList();
            var path = _dir.Bytes($"fuzz{n}", Container(copy));
            try
            {
                ModelBundle.Load(path);
                loaded++; // a flip can give a different but valid model (a changed count, a renamed word)
            }
            catch (ModelFormatException e)
            {
                Assert.StartsWith(path + ": ", e.Message);
                refused++;
            }
            File.Delete(path);
        }
        Assert.True(refused > 50, $"only {refused} refused ({loaded} loaded)");
    }

    // ---- interrupted writes ----

    [Fact]
    public void A_save_that_fails_midway_leaves_the_previous_model_intact_and_no_temporary_file()
    {
        var path = Path.Combine(_dir.Path, "keep", "model");
        var good = Small();
        good.Save(path);
        var before = File.ReadAllBytes(path);

        // A section that cannot be written: the writer fails after the earlier sections are on disk.
        var failing = new ModelBundle
        {
            Vocabulary = good.Vocabulary, NGram = good.NGram, Spacing = good.Spacing,
            ExtraSections = new() { ["TOO-LONG-TAG"] = new byte[100_000] },
        };
        Assert.Throws<ArgumentException>(() => failing.Save(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        ModelBundle.Load(path);

        Assert.Throws<ArgumentException>(() => ModelFile.Write(path, [("META", [1, 2]), ("VOCA", new byte[50_000]), ("BAD", [])]));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_write_killed_before_it_completes_leaves_a_file_marked_incomplete()
    {
        // What the writer has on disk before its final step (all sections and the trailer, flags still 0) is refused.
        var path = SmallModelPath();
        var bytes = File.ReadAllBytes(path);
        var partial = (byte[])bytes.Clone();
        BitConverter.TryWriteBytes(partial.AsSpan(12), 0u);
        Assert.Contains("incomplete", Refused(partial, "partial").Problem);
        // A cancelled training writes nothing.
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(new TrainOptions { Root = Repo.Src }, null, cts.Token));
    }
}
