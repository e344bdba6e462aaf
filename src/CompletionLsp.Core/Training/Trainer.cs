using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Core.Training;

public sealed record TrainOptions
{
    public required string Root { get; init; }
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

    public static ModelBundle Train(TrainOptions options, IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        var corpus = LoadCorpus(options.Root, options.Walk, progress, ct);
        options.Skipped?.AddRange(corpus.Skipped);
        var train = options.AllFiles ? corpus.Train.Concat(corpus.Test).ToList() : corpus.Train;
        long tokens = train.Sum(f => (long)f.Tokens.Length);
        if (tokens == 0) throw new NoTrainingDataException(NothingToTrain(options, corpus, train.Count));
        progress?.Report(new(TrainStage.Counting, train.Count, train.Count, tokens, sw.Elapsed));
        var bundle = Build(train, options, ct);
        var cache = CacheOptions.Default;
        if (options.TuneCache)
        {
            progress?.Report(new(TrainStage.Tuning, train.Count, train.Count, tokens, sw.Elapsed));
            cache = TuneCache(train, options, ct);
        }
        bundle.Cache = cache;
        progress?.Report(new(TrainStage.Done, train.Count, train.Count, tokens, sw.Elapsed));
        return new ModelBundle
        {
            Vocabulary = bundle.Vocabulary,
            NGram = bundle.NGram,
            Cache = bundle.Cache,
            Spacing = bundle.Spacing,
            Info = new TrainingInfo
            {
                SourceRoot = Path.GetFullPath(options.Root),
                AllFiles = options.AllFiles,
                Files = train.Count,
                SkippedFiles = corpus.Skipped.Count,
                Tokens = tokens,
                MinCount = options.MinCount,
                Seconds = sw.Elapsed.TotalSeconds,
            },
        };
    }

    private static string NothingToTrain(TrainOptions options, CorpusSplit corpus, int trainFiles)
    {
        string root = Path.GetFullPath(options.Root);
        string reasons = corpus.Skipped.Count == 0 ? "" : " (" + string.Join("; ", corpus.Skipped.Take(3).Select(s => $"{s.Path}: {s.Reason}"))
            + (corpus.Skipped.Count > 3 ? $"; and {corpus.Skipped.Count - 3} more" : "") + ")";
        if (corpus.FilesFound == 0)
            return $"nothing to train on: no .cs files under {root}{reasons}; the existing model is kept";
        int read = corpus.Train.Count + corpus.Test.Count;
        if (read == 0)
            return $"nothing to train on: none of the {corpus.FilesFound} .cs files under {root} could be read{reasons}; the existing model is kept";
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
