using CompletionLsp.Core.Corpus;
using System.Diagnostics;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Cli;

public static class TrainCommand
{
    public static int Run(IEnumerable<string> argv)
    {
        var a = new Args(argv, new HashSet<string> { "--all-files", "--quiet", "--no-tune" },
            new HashSet<string> { "--out", "-o", "--order", "--smoothing", "--delta", "--min-count", "--models", "--device", "--time-budget", "--epochs" }
                .Union(NeuralHook.TrainOptions).ToHashSet());
        if (a.Positional.Count != 1) throw new UsageException("train wants one folder: completion-lsp train <dir>");
        string dir = a.Positional[0];
        if (!Directory.Exists(dir)) throw new UsageException($"no such folder: {dir}");
        string outPath = a.Get("--out", "-o") ?? Cli.DefaultModelPath(dir);
        // Before reading the repository: the output must be a regular file (or none; through symlinks) in a folder
        // where a file can be created. A device, FIFO, socket or read-only folder is found now, not after training.
        ModelFile.CheckWritable(outPath);
        var smoothing = (a.Get("--smoothing") ?? "kn") switch
        {
            "kn" or "kneser-ney" or "modified-kneser-ney" => SmoothingKind.KneserNey,
            "add-delta" or "delta" => SmoothingKind.AddDelta,
            var s => throw new UsageException($"unknown smoothing '{s}' (kn or add-delta)"),
        };
        var options = new TrainOptions
        {
            Root = dir,
            Order = a.Int("--order", 6, 1, 6),
            Smoothing = smoothing,
            Delta = a.Double("--delta", 0.01),
            MinCount = a.Int("--min-count", 2, 1, 1000),
            AllFiles = a.Flag("--all-files"),
            TuneCache = !a.Flag("--no-tune"),
            Skipped = new List<SkippedFile>(),
        };
        var neural = NeuralHook.ParseModels(a.Get("--models"));
        List<string> neuralSummary = [];
        var progress = new ConsoleProgress(quiet: a.Flag("--quiet"));
        var sw = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (kill, a service manager): stop like Ctrl-C, so that the temporary file is deleted and the previous
        // model kept; exit code 143.
        bool terminated = false;
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            terminated = true;
            cts.Cancel();
        });
        EventHandler onExit = (_, _) => ModelFile.DeletePendingTemporaries();
        AppDomain.CurrentDomain.ProcessExit += onExit;
        ModelBundle bundle;
        TimeSpan countedAt = TimeSpan.Zero;
        try
        {
            bundle = Trainer.Train(options, new InlineProgress<TrainProgress>(p =>
            {
                double tps = p.Elapsed.TotalSeconds > 0 ? p.Tokens / p.Elapsed.TotalSeconds : 0;
                string stage = TrainStages.Name(p.Stage), text = TrainStages.Describe(p);
                switch (p.Stage)
                {
                    case TrainStage.Walking: progress.Report(stage, 0, 0, text, p.Elapsed, true); break;
                    case TrainStage.Tokenizing: progress.Report(stage, p.FilesDone, p.FilesTotal, $"{text}, {tps:N0} tokens/s", p.Elapsed, p.FilesDone == p.FilesTotal); break;
                    case TrainStage.Counting: progress.Report(stage, 0, 0, $"{text}, orders 1..{options.Order}", p.Elapsed, true); break;
                    case TrainStage.Tuning: countedAt = p.Elapsed; progress.Report(stage, 0, 0, text, p.Elapsed, true); break;
                    case TrainStage.Done: progress.Report(stage, 1, 1, text, p.Elapsed, true); break;
                }
            }), cts.Token);
            if (neural.Count > 0) (bundle, neuralSummary) = NeuralHook.Train(bundle, a, neural, progress, cts.Token);
            progress.Report("writing", 0, 0, outPath, sw.Elapsed, true);
            bundle.Save(outPath, cts.Token);
            progress.Done();
        }
        catch (OperationCanceledException) when (terminated)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine("terminated (SIGTERM); the previous model is unchanged");
            return 143;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine("cancelled; the previous model is unchanged");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }

        var c = bundle.NGram.Counts;
        Console.WriteLine();
        Console.WriteLine($"  model        {outPath} ({new FileInfo(outPath).Length / 1024.0 / 1024.0:F1} MiB)");
        Console.WriteLine($"  source       {bundle.Info.SourceRoot}");
        Console.WriteLine($"  files        {bundle.Info.Files} trained{(options.AllFiles ? " (all files)" : ", test split left out")}, {bundle.Info.SkippedFiles} skipped");
        foreach (var skip in options.Skipped.Take(MaxSkippedShown))
            Console.WriteLine($"    skipped    {skip.Path}: {skip.Reason}");
        if (options.Skipped.Count > MaxSkippedShown) Console.WriteLine($"    skipped    ... and {options.Skipped.Count - MaxSkippedShown} more");
        double countSeconds = countedAt > TimeSpan.Zero ? countedAt.TotalSeconds : bundle.Info.Seconds;
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
