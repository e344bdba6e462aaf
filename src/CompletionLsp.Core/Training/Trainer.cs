using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Models.Counting;

namespace CompletionLsp.Core.Training;

public sealed record TrainOptions
{
    public required string Root { get; init; }
    /// <summary>Further repositories to train on with <see cref="Root"/> (one model for a team's repositories).</summary>
    public IReadOnlyList<string> MoreRoots { get; init; } = [];
    public IReadOnlyList<string> Roots => [Root, .. MoreRoots];
    /// <summary>The counting buffers' budget: beyond it, sorted runs spill to <see cref="TempDir"/> (see NGramSorter).</summary>
    public long MemoryBytes { get; init; } = Models.Counting.NGramSorter.DefaultMemoryBytes;
    /// <summary>Where temporary files go (the token store, spilled runs); default the system's temporary folder.</summary>
    public string? TempDir { get; init; }
    public int Order { get; init; } = 6;
    public SmoothingKind Smoothing { get; init; } = SmoothingKind.KneserNey;
    public double Delta { get; init; } = 0.01;
    /// <summary>Tokens seen fewer times map to the unknown token. 2 measured best on held-out (see README).</summary>
    public int MinCount { get; init; } = 2;
    public bool AllFiles { get; init; }
    /// <summary>Fit the document cache's concentrations on a validation part of the training files.</summary>
    public bool TuneCache { get; init; } = true;
    public WalkOptions Walk { get; init; } = new();
    /// <summary>When set, receives the files that were skipped, with the reason (for reports).</summary>
    public List<SkippedFile>? Skipped { get; init; }

    /// <summary>What a model trained with these options records of its training.</summary>
    public TrainingInfo Info(int files, int skippedFiles, long tokens, TimeSpan elapsed) => new()
    {
        SourceRoot = Path.GetFullPath(Root),
        SourceRoots = Roots.Select(Path.GetFullPath).ToArray(),
        AllFiles = AllFiles,
        Files = files,
        SkippedFiles = skippedFiles,
        Tokens = tokens,
        MinCount = MinCount,
        Seconds = elapsed.TotalSeconds,
    };
}

/// <summary>Training found nothing to learn from (no .cs file, none readable, or only empty ones): no model is
/// written, and the previous one stays. An <see cref="IOException"/>: the CLI exits 1, the server answers an error.</summary>
public sealed class NoTrainingDataException(string message) : IOException(message);

public sealed record CorpusSplit(List<TokenizedFile> Train, List<TokenizedFile> Test, List<SkippedFile> Skipped, int FilesFound);

public static class Trainer
{
    /// <summary>Walks, reads and tokenizes a repository, split into train and test files.</summary>
    public static CorpusSplit LoadCorpus(string root, WalkOptions walk, IProgress<TrainProgress>? progress, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var skipped = new List<SkippedFile>();
        progress?.Report(new(TrainStage.Walking, 0, 0, 0, sw.Elapsed));
        var files = RepoWalker.Walk(root, skipped, walk);
        var read = CorpusReader.Read(files, skipped,
            progress == null ? null : new InlineProgress<ReadProgress>(p => progress.Report(new(TrainStage.Tokenizing, p.FilesDone, p.FilesTotal, p.TokensDone, sw.Elapsed))), ct);
        return new CorpusSplit(read.Where(f => !f.IsTest).ToList(), read.Where(f => f.IsTest).ToList(), skipped, files.Count);
    }

    /// <summary>The training files of every root, tokenized, in the order <see cref="Train"/> counts them (the test
    /// split left out unless <see cref="TrainOptions.AllFiles"/>); skipped files are added to <paramref name="skipped"/>.
    /// For counting engines outside Core (the SQL engine of CompletionLsp.Sql). Progress is per root.</summary>
    public static IEnumerable<TokenizedFile> TrainingFiles(TrainOptions options, List<SkippedFile> skipped,
        IProgress<ReadProgress>? progress = null, CancellationToken ct = default)
    {
        foreach (var root in options.Roots)
            foreach (var f in CorpusReader.Stream(RepoWalker.Walk(root, skipped, options.Walk), skipped, progress, ct))
                if (!f.IsTest || options.AllFiles) yield return f;
    }

    /// <summary>
    /// Trains the n-gram model in one streaming pass over the files: each file is tokenized, given raw ids
    /// (<see cref="TokenTable"/>) and written to a <see cref="TokenStore"/> on disk; then the vocabulary is decided
    /// from the counts, and the ids are read back, mapped and counted (<see cref="NGramSorter"/>, within
    /// <see cref="TrainOptions.MemoryBytes"/>). The cache is tuned first, with a model of the files not held out, so
    /// that the two models are never in memory together.
    /// </summary>
    public static ModelBundle Train(TrainOptions options, IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        using var corpus = Tokenize(options, progress, sw, ct);
        var store = corpus.Store;
        long tokens = store.Tokens;
        var cache = CacheOptions.Default;
        var ngram = new NGramOptions(options.Order, options.Smoothing, options.Delta);
        if (options.TuneCache && corpus.Validation.Count >= 3 && store.Files - corpus.HeldOutFiles >= 10)
        {
            progress?.Report(new(TrainStage.Tuning, store.Files, store.Files, tokens, sw.Elapsed));
            var (restVocab, restMap) = corpus.Table.ToVocabulary(options.MinCount, excludeHeldOut: true);
            var rest = new NGramModel(restVocab, Count(store, restMap, options, restVocab.Count, includeHeldOut: false, null, ct), ngram);
            cache = CacheTuner.Tune(rest, CacheOptions.Default, corpus.Validation, ct: ct);
            // The held-out model's arrays are garbage now: give their memory to the full count (the CLI's GC runs
            // with System.GC.ConserveMemory, which compacts the large object heap, see its project file).
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        corpus.Validation.Clear();
        progress?.Report(new(TrainStage.Counting, store.Files, store.Files, tokens, sw.Elapsed));
        var (vocab, map) = corpus.Table.ToVocabulary(options.MinCount);
        corpus.Table = null!;
        var spacing = new SpacingCounter();
        var counts = Count(store, map, options, vocab.Count, includeHeldOut: true, spacing, ct);
        var model = new NGramModel(vocab, counts, ngram);
        progress?.Report(new(TrainStage.Done, store.Files, store.Files, tokens, sw.Elapsed));
        return new ModelBundle
        {
            Vocabulary = vocab,
            NGram = model,
            Cache = cache,
            Spacing = spacing.Build(vocab),
            Info = corpus.Info(options, sw.Elapsed),
        };
    }

    /// <summary>The training files of every root, tokenized once into raw ids on disk (see <see cref="Train"/>).</summary>
    internal sealed class TokenizedCorpus : IDisposable
    {
        public required TokenStore Store { get; init; }
        public required TokenTable Table { get; set; }
        public List<TokenizedFile> Validation { get; } = [];
        public int HeldOutFiles { get; set; }
        public List<SkippedFile> Skipped { get; } = [];

        public TrainingInfo Info(TrainOptions options, TimeSpan elapsed) => options.Info(Store.Files, Skipped.Count, Store.Tokens, elapsed);

        public void Dispose() => Store.Dispose();
    }

    internal static TokenizedCorpus Tokenize(TrainOptions options, IProgress<TrainProgress>? progress, Stopwatch sw, CancellationToken ct)
    {
        var corpus = new TokenizedCorpus { Store = new TokenStore(options.TempDir), Table = new TokenTable() };
        try
        {
            var store = corpus.Store;
            int found = 0, read = 0;
            progress?.Report(new(TrainStage.Walking, 0, 0, 0, sw.Elapsed));
            foreach (var root in options.Roots)
            {
                var files = RepoWalker.Walk(root, corpus.Skipped, options.Walk);
                found += files.Count;
                long before = store.Tokens;
                foreach (var f in CorpusReader.Stream(files, corpus.Skipped,
                    progress == null ? null : new InlineProgress<ReadProgress>(p => progress.Report(new(TrainStage.Tokenizing, p.FilesDone, p.FilesTotal, before + p.TokensDone, sw.Elapsed))), ct))
                {
                    read++;
                    if (f.IsTest && !options.AllFiles) continue;
                    bool heldOut = Split.IsValidation(f.RelativePath);
                    if (heldOut) { corpus.HeldOutFiles++; if (corpus.Validation.Count < 100) corpus.Validation.Add(f); }
                    var ids = new int[f.Tokens.Length];
                    for (int i = 0; i < ids.Length; i++) { ids[i] = corpus.Table.Id(f.Tokens[i]); corpus.Table.Add(ids[i], 1, heldOut); }
                    store.Add(ids, f.Gaps, heldOut);
                }
            }
            options.Skipped?.AddRange(corpus.Skipped);
            if (store.Tokens == 0) throw new NoTrainingDataException(NothingToTrain(options, found, read, store.Files, corpus.Skipped));
            return corpus;
        }
        catch
        {
            corpus.Dispose();
            throw;
        }
    }

    /// <summary>Counts the stored files' n-grams with their ids mapped through <paramref name="map"/>.</summary>
    internal static NGramCounts Count(TokenStore store, int[] map, TrainOptions options, int vocabSize, bool includeHeldOut,
        SpacingCounter? spacing, CancellationToken ct)
    {
        using var sorter = new NGramSorter(options.Order, options.MemoryBytes, options.TempDir, ct);
        store.ForEach((ids, gaps, heldOut) =>
        {
            if (heldOut && !includeHeldOut) return;
            for (int i = 0; i < ids.Length; i++) ids[i] = map[ids[i]];
            spacing?.Add(ids, gaps);
            sorter.AddFile(ids);
        }, ct);
        var trie = new TrieBuilder(options.Order, vocabSize);
        sorter.Drain(trie.Add);
        return trie.Build();
    }

    private static string NothingToTrain(TrainOptions options, int found, int read, int trainFiles, List<SkippedFile> skipped)
    {
        string root = string.Join(", ", options.Roots.Select(Path.GetFullPath));
        string reasons = skipped.Count == 0 ? "" : " (" + string.Join("; ", skipped.Take(3).Select(s => $"{s.Path}: {s.Reason}"))
            + (skipped.Count > 3 ? $"; and {skipped.Count - 3} more" : "") + ")";
        if (found == 0)
            return $"nothing to train on: no .cs files under {root}{reasons}; the existing model is kept";
        if (read == 0)
            return $"nothing to train on: none of the {found} .cs files under {root} could be read{reasons}; the existing model is kept";
        if (trainFiles == 0)
            return $"nothing to train on: the {read} readable .cs files under {root} are all in the test split (use --all-files); the existing model is kept";
        return $"nothing to train on: the {trainFiles} .cs files under {root} hold no tokens{reasons}; the existing model is kept";
    }

    /// <summary>Builds vocabulary and n-gram model from tokenized files (no I/O).</summary>
    public static ModelBundle Build(IReadOnlyList<TokenizedFile> train, TrainOptions options, CancellationToken ct = default) =>
        BundleBuilder.Build(train, new NGramOptions(options.Order, options.Smoothing, options.Delta), options.MinCount, ct);

    /// <summary>Tunes the cache on held-out training files with a model built from the other training files.</summary>
    public static CacheOptions TuneCache(IReadOnlyList<TokenizedFile> train, TrainOptions options, CancellationToken ct)
    {
        var val = train.Where(f => Split.IsValidation(f.RelativePath)).Take(100).ToList();
        var rest = train.Where(f => !Split.IsValidation(f.RelativePath)).ToList();
        if (val.Count < 3 || rest.Count < 10) return CacheOptions.Default;
        var model = Build(rest, options with { TuneCache = false }, ct).NGram;
        return CacheTuner.Tune(model, CacheOptions.Default, val, ct: ct);
    }
}
