using System.CommandLine;
using CompletionLsp.Core.Corpus;
using System.Diagnostics;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Cli;

public static class TrainCommand
{
    private static readonly Argument<string[]> Dirs = new("dir")
    {
        Description = "The repositories (or any folders) whose .cs files to train on: several make one model of them all.",
        Arity = ArgumentArity.OneOrMore,
    };
    private static readonly Option<string?> Out = Opt.Text("--out", "FILE", "Where to write the model [default: <dir>/.completion-lsp/model, or .../counts with --counts-only].", "-o");
    private static readonly Option<bool> CountsOnly = Opt.Flag("--counts-only", "Write a count shard instead of a model: `merge` sums shards into the model that training on all of them at once gives.");
    private static readonly Option<int> Order = Opt.Int("--order", 6, 1, 6, "The n-gram order.");
    private static readonly Option<bool> AllFiles = Opt.Flag("--all-files", "Train on the test split too (for the model you serve, not for eval).");
    private static readonly Option<bool> NoTune = Opt.Flag("--no-tune", "Keep the cache's default concentrations (no fitting on held-out training files).");
    private static readonly Option<string> Engine = Opt.Choice("--engine",
        "How n-grams are counted: in this process's sorter (memory), or as SQL over a Parquet token table by DuckDB (duckdb; the same model; the SQL runs on Spark too, see export-tokens).",
        "memory", ["memory", "duckdb"]);
    private static readonly Option<string?> Models = Opt.Text("--models", "LIST",
        $"The models to train, comma-separated: {string.Join(", ", NeuralHook.AllModelNames)} (ngram and cache are always trained).");

    public static Command Build()
    {
        var c = new Command("train", "Train a model on a repository: the n-gram and cache models, and the neural ones named in --models.")
        {
            Dirs, Out, CountsOnly, Order, CountingOptions.Smoothing, CountingOptions.Delta, CountingOptions.MinCount, AllFiles, NoTune,
            CountingOptions.Memory, CountingOptions.Temp, Engine, CountingOptions.Quiet, Models,
        };
        foreach (var o in NeuralHook.TrainOptions) c.Add(o);
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        var dirs = a.GetValue(Dirs)!;
        // The folders take any number of words, so an option the parser does not know lands among them.
        foreach (var d in dirs) if (d.StartsWith('-') && !Directory.Exists(d)) throw new UsageException($"unknown option '{d}'");
        foreach (var d in dirs) if (!Directory.Exists(d)) throw new UsageException($"no such folder: {d}");
        string dir = dirs[0];
        bool countsOnly = a.GetValue(CountsOnly);
        var neural = NeuralHook.ParseModels(a.GetValue(Models));
        if (countsOnly && neural.Count > 0) throw new UsageException("--counts-only counts n-grams; neural models (--models) train on a model, not a shard");
        bool duckDb = a.GetValue(Engine) == "duckdb";
        if (countsOnly && duckDb) throw new UsageException("--counts-only writes the memory engine's shard; for SQL counting elsewhere, use export-tokens");
        string outPath = a.GetValue(Out) ?? (countsOnly ? Path.Combine(Path.GetDirectoryName(Cli.DefaultModelPath(dir))!, "counts") : Cli.DefaultModelPath(dir));
        // Before reading the repository: the output must be a regular file (or none; through symlinks) in a folder
        // where a file can be created. A device, FIFO, socket or read-only folder is found now, not after training.
        var resolvedOut = ModelFile.CheckWritable(outPath);
        var smoothing = CountingOptions.SmoothingOf(a);
        var options = new TrainOptions
        {
            Root = dir,
            MoreRoots = dirs.Skip(1).ToArray(),
            MemoryBytes = CountingOptions.MemoryBytes(a),
            TempDir = CountingOptions.TempFor(a, resolvedOut),
            Order = a.GetValue(Order),
            Smoothing = smoothing,
            Delta = a.GetValue(CountingOptions.Delta),
            MinCount = a.GetValue(CountingOptions.MinCount),
            AllFiles = a.GetValue(AllFiles),
            TuneCache = !a.GetValue(NoTune),
            Skipped = new List<SkippedFile>(),
        };
        List<string> neuralSummary = [];
        var progress = new ConsoleProgress(quiet: a.GetValue(CountingOptions.Quiet));
        var sw = Stopwatch.StartNew();
        ModelBundle bundle = null!;
        ShardInfo? shard = null;
        TimeSpan tuningAt = TimeSpan.Zero, countingAt = TimeSpan.Zero;
        var report = new InlineProgress<TrainProgress>(p =>
        {
            double tps = p.Elapsed.TotalSeconds > 0 ? p.Tokens / p.Elapsed.TotalSeconds : 0;
            // The stage's name is the progress line's first column; its figures follow.
            string stage = TrainStages.Name(p.Stage), text = TrainStages.Details(p);
            switch (p.Stage)
            {
                case TrainStage.Walking: progress.Report(stage, 0, 0, text, p.Elapsed, true); break;
                case TrainStage.Tokenizing: progress.Report(stage, p.FilesDone, p.FilesTotal, $"{text}, {tps:N0} tokens/s", p.Elapsed, p.FilesDone == p.FilesTotal); break;
                case TrainStage.Counting: countingAt = p.Elapsed; progress.Report(stage, 0, 0, $"{text}, orders 1..{options.Order}", p.Elapsed, true); break;
                case TrainStage.Tuning: tuningAt = p.Elapsed; progress.Report(stage, 0, 0, text, p.Elapsed, true); break;
                case TrainStage.Done: progress.Report(stage, 1, 1, text, p.Elapsed, true); break;
            }
        });
        int rc;
        if (countsOnly)
            rc = ModelJob.Run(progress, ct =>
            {
                var info = CountShard.Write(outPath, options, report, ct);
                progress.Done();
                return info;
            }, out shard);
        else
        {
            rc = ModelJob.Run(progress, ct =>
            {
                var b = duckDb ? Sql.DuckDbCounter.Train(options, report, ct) : Trainer.Train(options, report, ct);
                List<string> summary = [];
                if (neural.Count > 0) (b, summary) = NeuralHook.Train(b, a, neural, progress, ct);
                progress.Report("writing", 0, 0, outPath, sw.Elapsed, true);
                b.Save(outPath, ct);
                progress.Done();
                return (b, summary);
            }, out var trained);
            (bundle, neuralSummary) = trained;
        }
        if (rc != 0) return rc;

        if (shard != null)
        {
            Console.WriteLine();
            Console.WriteLine($"  shard        {outPath} ({new FileInfo(outPath).Length / 1024.0 / 1024.0:F1} MiB): merge shards into a model with `completion-lsp merge`");
            Console.WriteLine($"  source       {string.Join(", ", shard.SourceRoots)}");
            Console.WriteLine($"  files        {shard.Files} counted{(options.AllFiles ? " (all files)" : ", test split left out")}, {shard.SkippedFiles} skipped");
            Console.WriteLine($"  tokens       {shard.Tokens:N0}");
            Console.WriteLine($"  records      {shard.Records:N0} distinct n-gram records (order {shard.Order})");
            Console.WriteLine($"  time         {sw.Elapsed.TotalSeconds:F1} s, peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
            return 0;
        }
        var c = bundle.NGram.Counts;
        Console.WriteLine();
        Console.WriteLine($"  model        {outPath} ({new FileInfo(outPath).Length / 1024.0 / 1024.0:F1} MiB)");
        Console.WriteLine($"  source       {string.Join(", ", bundle.Info.SourceRoots is { Length: > 0 } r ? r : [bundle.Info.SourceRoot])}");
        Console.WriteLine($"  files        {bundle.Info.Files} trained{(options.AllFiles ? " (all files)" : ", test split left out")}, {bundle.Info.SkippedFiles} skipped");
        foreach (var skip in options.Skipped.Take(MaxSkippedShown))
            Console.WriteLine($"    skipped    {skip.Path}: {skip.Reason}");
        if (options.Skipped.Count > MaxSkippedShown) Console.WriteLine($"    skipped    ... and {options.Skipped.Count - MaxSkippedShown} more");
        // Tokens per second of reading, tokenizing and counting: the tuning (before the counting) left out.
        double countSeconds = bundle.Info.Seconds - (tuningAt > TimeSpan.Zero ? (countingAt - tuningAt).TotalSeconds : 0);
        Console.WriteLine($"  tokens       {bundle.Info.Tokens:N0} (read, tokenized and counted at {bundle.Info.Tokens / Math.Max(1e-9, countSeconds):N0} tokens/s)");
        Console.WriteLine($"  cache        document concentrations {string.Join("/", bundle.Cache.DocumentBeta.Select(x => double.IsPositiveInfinity(x) ? "off" : x.ToString("0.#")))}{(options.TuneCache ? " (fitted on held-out training files)" : " (defaults)")}");
        Console.WriteLine($"  vocabulary   {bundle.Vocabulary.Count:N0} (min count {options.MinCount})");
        Console.WriteLine($"  n-grams      {string.Join(" / ", c.Words.Select(w => w.Length.ToString("N0")))} (orders 1..{c.Order})");
        Console.WriteLine($"  smoothing    {(options.Smoothing == SmoothingKind.KneserNey ? "interpolated modified Kneser-Ney" : $"add-delta (delta {options.Delta}) with backoff")}");
        foreach (var line in neuralSummary) Console.WriteLine(line);
        Console.WriteLine($"  time         {sw.Elapsed.TotalSeconds:F1} s, peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
        return 0;
    }

    private const int MaxSkippedShown = 30;
}
