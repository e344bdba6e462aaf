using System.Text.Json;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Models;

/// <summary>What a model was trained on and how: shown by `info`, carried in the model file.</summary>
public sealed record TrainingInfo
{
    public string Tool { get; init; } = "completion-lsp";
    public string ToolVersion { get; init; } = typeof(TrainingInfo).Assembly.GetName().Version?.ToString() ?? "0";
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
    public string SourceRoot { get; init; } = "";
    /// <summary>Every repository trained on (a team model has several; the first is <see cref="SourceRoot"/>).</summary>
    public string[] SourceRoots { get; init; } = [];
    public bool AllFiles { get; init; }
    public int Files { get; init; }
    public int SkippedFiles { get; init; }
    public long Tokens { get; init; }
    public int MinCount { get; init; }
    public double Seconds { get; init; }
    public string[] Models { get; init; } = ["ngram", "cache"];
}

/// <summary>
/// A trained model as stored in one file: vocabulary, n-gram counts and smoothing, cache hyperparameters,
/// training information, mixture weights, and sections of other model kinds (neural models) that the core
/// carries without knowing their contents.
/// </summary>
public sealed class ModelBundle
{
    public required Vocabulary Vocabulary { get; init; }
    public required NGramModel NGram { get; init; }
    public CacheOptions Cache { get; set; } = CacheOptions.Default;
    /// <summary>How this codebase spaces tokens, for turning generated tokens into text.</summary>
    public Spacing Spacing { get; init; } = Spacing.Empty;
    public TrainingInfo Info { get; init; } = new();
    /// <summary>Interpolation weights by model name (e.g. "ngram", "lstm"), fitted on held-out data; empty = n-gram alone.</summary>
    public Dictionary<string, double> MixtureWeights { get; init; } = new();
    /// <summary>Sections the core does not interpret (neural weights), by 4-character tag.</summary>
    public Dictionary<string, byte[]> ExtraSections { get; init; } = new();

    private const string TagMeta = "META", TagVocab = "VOCA", TagNGram = "NGRM", TagCache = "CACH", TagMix = "MIXW", TagSpacing = "SPAC";

    public void Save(string path, CancellationToken ct = default)
    {
        if (!NGram.Counts.HasRawCounts) throw new InvalidOperationException("this model was loaded to be served (its raw counts were released) and cannot be saved");
        ModelFile.ResolveOutput(path); // refuse a device, a FIFO or a folder before serializing
        var sections = new List<ModelFile.Section>
        {
            ModelFile.Section.Of(TagMeta, JsonSerializer.SerializeToUtf8Bytes(Info)),
            ModelFile.Section.Of(TagVocab, WriteVocab(Vocabulary)),
            NGramSection(NGram),
            ModelFile.Section.Of(TagCache, WriteCache(Cache)),
            ModelFile.Section.Of(TagMix, WriteMix(MixtureWeights)),
            ModelFile.Section.Of(TagSpacing, Spacing.Serialize()),
        };
        foreach (var kv in ExtraSections.OrderBy(k => k.Key, StringComparer.Ordinal)) sections.Add(ModelFile.Section.Of(kv.Key, kv.Value));
        ct.ThrowIfCancellationRequested();
        ModelFile.Write(path, sections, ct);
    }

    /// <param name="serving">Keep only what queries read (see <see cref="NGramModel.ReleaseRawCounts"/>): the
    /// bundle can then be served but not saved.</param>
    public static ModelBundle Load(string path, bool serving = false)
    {
        // Section by section from the file: the n-gram arrays are read straight into place, so that loading costs
        // about the model's size in memory, not two or three copies of the file.
        using var s = ModelFile.Open(path);
        // A count shard (Training.CountShard) shares the container; its SHRD section says what it is.
        if (s.Has("SHRD")) throw new ModelFormatException(path, "this is a count shard (`train --counts-only`), not a model: make a model of shards with `completion-lsp merge SHARD... --out MODEL`");
        foreach (var tag in new[] { TagMeta, TagVocab, TagNGram })
            if (!s.Has(tag)) throw new ModelFormatException(path, $"model file lacks the {tag} section");
        TrainingInfo info;
        try { info = JsonSerializer.Deserialize<TrainingInfo>(s.Bytes(TagMeta)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ModelFormatException(path, "model file is corrupt (section META: " + e.Message + ")"); }
        var vocab = ReadVocab(path, s.Bytes(TagVocab));
        var ngram = ReadNGram(s.Reader(TagNGram), vocab);
        var cache = s.Has(TagCache) ? ReadCache(path, s.Bytes(TagCache)) : CacheOptions.Default;
        var mix = s.Has(TagMix) ? ReadMix(path, s.Bytes(TagMix)) : new Dictionary<string, double>();
        var spacing = s.Has(TagSpacing) ? Spacing.Deserialize(path, s.Bytes(TagSpacing)) : Spacing.Empty;
        var extra = s.Tags.Where(t => t is not (TagMeta or TagVocab or TagNGram or TagCache or TagMix or TagSpacing))
            .ToDictionary(t => t, s.Bytes);
        if (serving) ngram.ReleaseRawCounts();
        return new ModelBundle { Vocabulary = vocab, NGram = ngram, Cache = cache, Info = info, MixtureWeights = mix, ExtraSections = extra, Spacing = spacing };
    }

    /// <summary>This model in plain values; with <paramref name="path"/>, also the file's full path and size.</summary>
    public ModelDescription Describe(string? path = null)
    {
        var c = NGram.Counts;
        return new ModelDescription
        {
            Path = path == null ? null : System.IO.Path.GetFullPath(path),
            FileBytes = path != null && File.Exists(path) ? new FileInfo(path).Length : null,
            CreatedUtc = Info.CreatedUtc,
            Tool = Info.Tool,
            ToolVersion = Info.ToolVersion,
            TrainSeconds = Info.Seconds,
            SourceRoot = Info.SourceRoot,
            Files = Info.Files,
            AllFiles = Info.AllFiles,
            SkippedFiles = Info.SkippedFiles,
            Tokens = Info.Tokens,
            Vocabulary = Vocabulary.StaticCount,
            MinCount = Info.MinCount,
            Order = c.Order,
            Smoothing = NGram.Options.Smoothing,
            Delta = NGram.Options.Delta,
            NGrams = c.Words.Select(w => w.Length).ToArray(),
            Discounts = NGram.KneserNeyTables?.Discounts,
            DocumentBeta = Cache.DocumentBeta,
            RecentBeta = Cache.RecentBeta,
            SpacingPairs = Spacing.PairCount,
            Models = Info.Models,
            MixtureWeights = MixtureWeights.ToList(),
            NeuralMembers = MixtureWeights.Where(w => w.Value > 0 && w.Key != "ngram").Select(w => w.Key).ToArray(),
            Sections = ExtraSections.Select(kv => (kv.Key, kv.Value.Length)).ToArray(),
        };
    }

    private static byte[] WriteVocab(Vocabulary v)
    {
        var w = new PayloadWriter();
        w.Int(v.StaticCount - Vocabulary.ReservedCount);
        for (int i = Vocabulary.ReservedCount; i < v.StaticCount; i++) { w.String(v[i]); w.Int((int)v.KindOf(i)); }
        return w.ToArray();
    }

    private static Vocabulary ReadVocab(string path, byte[] data)
    {
        var r = new PayloadReader(path, TagVocab, data);
        int n = r.Int();
        if (n < 0 || n > data.Length) throw r.Error("bad vocabulary size");
        var words = new string[n];
        var kinds = new TokenKind[n];
        for (int i = 0; i < n; i++)
        {
            words[i] = r.String();
            int k = r.Int();
            if (k < 0 || k > (int)TokenKind.Special) throw r.Error("bad token kind");
            kinds[i] = (TokenKind)k;
        }
        r.End();
        try { return new Vocabulary(words, kinds); }
        catch (InvalidDataException e) { throw r.Error(e.Message); }
    }

    /// <summary>The n-gram section, written straight from the arrays.</summary>
    private static ModelFile.Section NGramSection(NGramModel m)
    {
        var c = m.Counts;
        long length = 4 + 4 + 8;
        for (int n = 0; n < c.Order; n++)
            length += 4 + (n == 0 ? 0 : 4L * c.Words[n].Length) + 4 + 4L * c.Counts[n].Length + (n < c.Order - 1 ? 4 + 4L * c.ChildStart[n].Length : 0);
        return new ModelFile.Section(TagNGram, length, stream =>
        {
            using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            void Ints(int[] a) { w.Write(a.Length); w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan())); }
            w.Write(c.Order);
            w.Write((int)m.Options.Smoothing);
            w.Write(m.Options.Delta);
            for (int n = 0; n < c.Order; n++)
            {
                Ints(n == 0 ? [] : c.Words[n]); // level 1 is dense: words are implied
                Ints(c.Counts[n]);
                if (n < c.Order - 1) Ints(c.ChildStart[n]);
            }
        });
    }

    private static NGramModel ReadNGram(PayloadReader r, Vocabulary vocab)
    {
        int order = r.Int();
        if (order < 1 || order > 6) throw r.Error($"order {order} outside 1..6");
        int sm = r.Int();
        if (sm is < 0 or > 1) throw r.Error("unknown smoothing");
        double delta = r.Double();
        var words = new int[order][];
        var counts = new int[order][];
        var cs = new int[order - 1][];
        for (int n = 0; n < order; n++)
        {
            words[n] = r.Ints();
            counts[n] = r.Ints();
            if (n < order - 1) cs[n] = r.Ints();
        }
        r.End();
        words[0] = Enumerable.Range(0, counts[0].Length).ToArray();
        try
        {
            var nc = new NGramCounts(order, vocab.Count, words, counts, cs);
            return new NGramModel(vocab, nc, new NGramOptions(order, (SmoothingKind)sm, delta));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException)
        {
            throw r.Error(e.Message);
        }
    }

    private static byte[] WriteCache(CacheOptions c)
    {
        var w = new PayloadWriter();
        w.Int(c.DocumentBeta.Length); foreach (var b in c.DocumentBeta) w.Double(b);
        w.Int(c.RecentBeta.Length); foreach (var b in c.RecentBeta) w.Double(b);
        return w.ToArray();
    }

    private static CacheOptions ReadCache(string path, byte[] data)
    {
        var r = new PayloadReader(path, TagCache, data);
        double[] Arr()
        {
            int n = r.Int();
            if (n < 0 || n > 8) throw r.Error("bad cache order");
            var a = new double[n];
            for (int i = 0; i < n; i++) { a[i] = r.Double(); if (!(a[i] > 0)) throw r.Error("bad cache concentration"); }
            return a;
        }
        var d = Arr(); var rc = Arr();
        r.End();
        return new CacheOptions(d, rc);
    }

    private static byte[] WriteMix(Dictionary<string, double> mix)
    {
        var w = new PayloadWriter();
        w.Int(mix.Count);
        foreach (var kv in mix.OrderBy(k => k.Key, StringComparer.Ordinal)) { w.String(kv.Key); w.Double(kv.Value); }
        return w.ToArray();
    }

    private static Dictionary<string, double> ReadMix(string path, byte[] data)
    {
        var r = new PayloadReader(path, TagMix, data);
        int n = r.Int();
        if (n < 0 || n > 64) throw r.Error("bad mixture size");
        var d = new Dictionary<string, double>();
        for (int i = 0; i < n; i++)
        {
            var k = r.String(); var v = r.Double();
            if (!(v >= 0 && v <= 1)) throw r.Error("bad mixture weight");
            d[k] = v;
        }
        r.End();
        return d;
    }
}
