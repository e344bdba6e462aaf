using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Models.Counting;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Training;

/// <summary>What a count shard was counted from: shown by `info`, summed by a merge.</summary>
public sealed record ShardInfo
{
    public string Tool { get; init; } = "completion-lsp";
    public string ToolVersion { get; init; } = typeof(ShardInfo).Assembly.GetName().Version?.ToString() ?? "0";
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
    public string[] SourceRoots { get; init; } = [];
    public bool AllFiles { get; init; }
    public int Order { get; init; }
    public int Files { get; init; }
    public int SkippedFiles { get; init; }
    public long Tokens { get; init; }
    public long Records { get; init; }
}

/// <summary>
/// Count shards: the counts of one part of a corpus (one repository, say, counted where it lives), from which
/// <see cref="Merge"/> estimates exactly the model that training on all the parts at once would give.
/// <para>Kneser-Ney needs continuation counts and counts of counts, which do not add across parts, so a shard holds
/// what they are derived from, before any vocabulary is chosen:</para>
/// <list type="bullet">
/// <item>SHRD: every distinct token (text, literal class, kind) with its count, none cut by --min-count (the
/// vocabulary depends on the summed counts);</item>
/// <item>SREC: every distinct n-gram record with its count, in those raw token ids (a record is what one position
/// contributes: the next min(order, tokens left in the file) tokens, &lt;s&gt; and &lt;/s&gt; framing each file). Raw
/// counts of every n-gram of orders 1..N follow by summing, and so do, after the merge, continuation counts and
/// counts of counts;</item>
/// <item>SSPC: for each pair of adjacent raw ids, how often nothing, a space or a line break separated them.</item>
/// </list>
/// Each is a sum over files, so the merge adds them, maps the raw ids to the vocabulary of the summed counts,
/// re-sorts the records and builds the trie as training does. The container is a model file's (magic, version,
/// complete flag, checksum) with a SHRD section; the cache is not tuned by a merge (it needs held-out text).
/// </summary>
public static class CountShard
{
    private const string TagMeta = "META", TagTokens = "SHRD", TagRecords = "SREC", TagSpacing = "SSPC";

    public static bool IsShard(ModelReader r) => r.Has(TagTokens);

    /// <summary>Tokenizes and counts <paramref name="options"/>' roots and writes a shard to <paramref name="path"/>
    /// (through a temporary file: an interrupted count leaves the previous file).</summary>
    public static ShardInfo Write(string path, TrainOptions options, IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        using var corpus = Trainer.Tokenize(options, progress, sw, ct);
        var store = corpus.Store;
        progress?.Report(new(TrainStage.Counting, store.Files, store.Files, store.Tokens, sw.Elapsed));
        var spacing = new SpacingCounter();
        var dir = options.TempDir ?? Path.GetTempPath();
        Directory.CreateDirectory(dir);
        TempFiles.RemoveStale(dir, "completion-lsp-records-");
        var recordsPath = TempFiles.NewPath(dir, "completion-lsp-records-", ".tmp");
        long records = 0;
        try
        {
            using (var sorter = new NGramSorter(options.Order, options.MemoryBytes, options.TempDir, ct))
            {
                store.ForEach((ids, gaps, _) => { spacing.Add(ids, gaps); sorter.AddFile(ids); }, ct);
                using var w = new BinaryWriter(new FileStream(recordsPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20));
                sorter.Drain((rec, count) => { NGramSorter.WriteRecord(w, rec, count); records++; });
            }
            var info = new ShardInfo
            {
                SourceRoots = options.Roots.Select(Path.GetFullPath).ToArray(),
                AllFiles = options.AllFiles,
                Order = options.Order,
                Files = store.Files,
                SkippedFiles = corpus.Skipped.Count,
                Tokens = store.Tokens,
                Records = records,
            };
            long recordsLength = new FileInfo(recordsPath).Length;
            ModelFile.Write(path,
            [
                ModelFile.Section.Of(TagMeta, JsonSerializer.SerializeToUtf8Bytes(info)),
                ModelFile.Section.Of(TagTokens, WriteTable(corpus.Table)),
                new ModelFile.Section(TagRecords, 8 + recordsLength, s =>
                {
                    s.Write(BitConverter.GetBytes(records));
                    using var f = new FileStream(recordsPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                    f.CopyTo(s, 1 << 20);
                }),
                ModelFile.Section.Of(TagSpacing, WriteSpacing(spacing)),
            ], ct);
            progress?.Report(new(TrainStage.Done, store.Files, store.Files, store.Tokens, sw.Elapsed));
            return info;
        }
        finally { try { File.Delete(recordsPath); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
    }

    /// <summary>
    /// Estimates the model of the summed counts of <paramref name="shards"/>: the same vocabulary, n-gram counts and
    /// spacing, to the bit, as training on all their files at once with the same order and --min-count (and --no-tune:
    /// the cache keeps its default concentrations).
    /// </summary>
    /// <exception cref="ModelFormatException">A file is not a shard, is damaged, or the orders differ.</exception>
    public static ModelBundle Merge(IReadOnlyList<string> shards, int minCount, SmoothingKind smoothing = SmoothingKind.KneserNey,
        double delta = 0.01, long memoryBytes = NGramSorter.DefaultMemoryBytes, string? tempDir = null,
        IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        if (shards.Count == 0) throw new ArgumentException("no shards to merge", nameof(shards));
        var sw = Stopwatch.StartNew();
        var table = new TokenTable();
        var maps = new List<int[]>();
        var infos = new List<ShardInfo>();
        // First pass: the summed token counts decide the vocabulary.
        foreach (var path in shards)
        {
            ct.ThrowIfCancellationRequested();
            using var r = ModelFile.Open(path);
            if (!IsShard(r)) throw new ModelFormatException(path, "not a count shard (it is a model: shards come from `completion-lsp train --counts-only`)");
            foreach (var tag in new[] { TagMeta, TagRecords, TagSpacing })
                if (!r.Has(tag)) throw new ModelFormatException(path, $"count shard lacks the {tag} section");
            ShardInfo info;
            try { info = JsonSerializer.Deserialize<ShardInfo>(r.Bytes(TagMeta)) ?? throw new JsonException("null"); }
            catch (JsonException e) { throw new ModelFormatException(path, "count shard is corrupt (section META: " + e.Message + ")"); }
            if (info.Order is < 1 or > 6) throw new ModelFormatException(path, $"count shard is corrupt (order {info.Order})");
            if (infos.Count > 0 && info.Order != infos[0].Order)
                throw new ModelFormatException(path, $"count shard has order {info.Order}, but {shards[0]} has order {infos[0].Order}: shards of one model share the order");
            infos.Add(info);
            maps.Add(table.Merge(ReadTable(r.Reader(TagTokens))));
            progress?.Report(new(TrainStage.Tokenizing, infos.Count, shards.Count, infos.Sum(i => i.Tokens), sw.Elapsed));
        }
        int order = infos[0].Order;
        long tokens = infos.Sum(i => i.Tokens);
        progress?.Report(new(TrainStage.Counting, infos.Sum(i => i.Files), infos.Sum(i => i.Files), tokens, sw.Elapsed));
        var (vocab, vmap) = table.ToVocabulary(minCount);
        table = null!;
        // Second pass: records and spacing, mapped to the vocabulary, re-sorted and built into the trie.
        var spacing = new SpacingCounter();
        using var sorter = new NGramSorter(order, memoryBytes, tempDir, ct);
        Span<int> rec = stackalloc int[order];
        for (int k = 0; k < shards.Count; k++)
        {
            var map = maps[k];
            for (int i = 0; i < map.Length; i++) map[i] = vmap[map[i]];
            using var r = ModelFile.Open(shards[k]);
            var recs = r.Reader(TagRecords);
            long n = recs.Long();
            if (n < 0) throw recs.Error("bad record count");
            for (long j = 0; j < n; j++)
            {
                int len = recs.Byte();
                if (len < 1 || len > order) throw recs.Error($"record of length {len}");
                for (int i = 0; i < len; i++)
                {
                    int id = recs.VarInt();
                    if ((uint)id >= (uint)map.Length) throw recs.Error("record id out of range");
                    rec[i] = map[id];
                }
                long count = recs.VarLong();
                if (count < 1) throw recs.Error("record count out of range");
                sorter.AddRecord(rec[..len], count);
                if ((j & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
            }
            recs.End();
            ReadSpacing(r.Reader(TagSpacing), map, spacing);
            maps[k] = [];
        }
        var trie = new TrieBuilder(order, vocab.Count);
        sorter.Drain(trie.Add);
        var model = new NGramModel(vocab, trie.Build(), new NGramOptions(order, smoothing, delta));
        progress?.Report(new(TrainStage.Done, infos.Sum(i => i.Files), infos.Sum(i => i.Files), tokens, sw.Elapsed));
        return new ModelBundle
        {
            Vocabulary = vocab,
            NGram = model,
            Spacing = spacing.Build(vocab),
            Info = new TrainingInfo
            {
                SourceRoot = infos[0].SourceRoots.FirstOrDefault() ?? "",
                SourceRoots = infos.SelectMany(i => i.SourceRoots).ToArray(),
                AllFiles = infos.All(i => i.AllFiles),
                Files = infos.Sum(i => i.Files),
                SkippedFiles = infos.Sum(i => i.SkippedFiles),
                Tokens = tokens,
                MinCount = minCount,
                Seconds = sw.Elapsed.TotalSeconds,
            },
        };
    }

    /// <summary>What a shard holds, for `info`.</summary>
    public static ShardInfo ReadInfo(ModelReader r)
    {
        try { return JsonSerializer.Deserialize<ShardInfo>(r.Bytes(TagMeta)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ModelFormatException(r.Path, "count shard is corrupt (section META: " + e.Message + ")"); }
    }

    private static byte[] WriteTable(TokenTable t)
    {
        var w = new PayloadWriter();
        w.Int(t.Count);
        for (int i = 0; i < Vocabulary.ReservedCount; i++) w.Long(t.CountOf(i));
        for (int i = Vocabulary.ReservedCount; i < t.Count; i++)
        {
            w.String(t.TextOf(i));
            w.Int((int)t.ClassOf(i) | (int)t.KindOf(i) << 8);
            w.Long(t.CountOf(i));
        }
        return w.ToArray();
    }

    private static TokenTable ReadTable(PayloadReader r)
    {
        int n = r.Int();
        if (n < Vocabulary.ReservedCount) throw r.Error("bad token count");
        var t = new TokenTable();
        for (int i = 0; i < Vocabulary.ReservedCount; i++) t.Add(i, NonNegative(r, r.Long()));
        for (int i = Vocabulary.ReservedCount; i < n; i++)
        {
            var text = r.String();
            int ck = r.Int();
            int cls = ck & 0xFF, kind = ck >> 8;
            if (cls > (int)LiteralClass.RawString || kind is < 0 or > (int)TokenKind.Special) throw r.Error("bad token class or kind");
            int id = t.Id(text, (LiteralClass)cls, (TokenKind)kind);
            if (id != i) throw r.Error("repeated token");
            t.Add(id, NonNegative(r, r.Long()));
        }
        r.End();
        return t;
    }

    private static long NonNegative(PayloadReader r, long v) => v >= 0 ? v : throw r.Error("negative count");

    private static byte[] WriteSpacing(SpacingCounter s)
    {
        var w = new PayloadWriter();
        w.Int(s.Pairs.Count);
        foreach (var (k, g) in s.Pairs.OrderBy(kv => kv.Key))
        {
            w.Long(k); w.Long(g.None); w.Long(g.Space); w.Long(g.Newline);
        }
        return w.ToArray();
    }

    private static void ReadSpacing(PayloadReader r, int[] map, SpacingCounter into)
    {
        int n = r.Int();
        if (n < 0) throw r.Error("bad pair count");
        for (int i = 0; i < n; i++)
        {
            long k = r.Long();
            int a = (int)(k >> 32), b = (int)k;
            if ((uint)a >= (uint)map.Length || (uint)b >= (uint)map.Length) throw r.Error("pair id out of range");
            var g = new SpacingCounter.Gaps(NonNegative(r, r.Long()), NonNegative(r, r.Long()), NonNegative(r, r.Long()));
            into.Add(map[a], map[b], g);
        }
        r.End();
    }
}
