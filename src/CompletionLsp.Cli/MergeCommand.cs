using System.CommandLine;
using System.Diagnostics;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Cli;

/// <summary>`merge`: estimates one model from count shards (`train --counts-only`), exactly as training on all
/// their files at once would (with --no-tune).</summary>
public static class MergeCommand
{
    private static readonly Argument<string[]> Shards = new("shard")
    {
        Description = "Count shards written by `train --counts-only` (of one order).",
        Arity = ArgumentArity.OneOrMore,
    };
    private static readonly Option<string?> Out = Opt.Text("--out", "FILE", "Where to write the model.", "-o");
    private static readonly Option<int> MinCount = Opt.Int("--min-count", 2, 1, 1000, "Words seen fewer times in all the shards are <unk> (literals: their class token).");
    private static readonly Option<string> Smoothing = Opt.Choice("--smoothing", "Interpolated modified Kneser-Ney, or add-delta with backoff.", "kn",
        ["kn", "add-delta", "kneser-ney", "modified-kneser-ney", "delta"], shown: 2);
    private static readonly Option<double> Delta = Opt.Double("--delta", 0.01, 1e-9, 1e6, "The delta of add-delta smoothing.", "D");
    private static readonly Option<bool> Quiet = Opt.Flag("--quiet", "No progress bars (the summary is still printed).");

    public static Command Build()
    {
        var c = new Command("merge", "Estimate one model from count shards (`train --counts-only`): the model that training on all their files at once gives (the cache keeps its default concentrations).")
        {
            Shards, Out, MinCount, Smoothing, Delta, TrainCommand.Memory, TrainCommand.Temp, Quiet,
        };
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        var shards = a.GetValue(Shards)!;
        var outPath = a.GetValue(Out) ?? throw new UsageException("merge needs --out FILE");
        foreach (var s in shards) if (s.StartsWith('-') && !File.Exists(s)) throw new UsageException($"unknown option '{s}'");
        foreach (var s in shards) if (!File.Exists(s)) throw new UsageException($"no such file: {s}");
        ModelFile.CheckWritable(outPath);
        var smoothing = a.GetValue(Smoothing) is "add-delta" or "delta" ? SmoothingKind.AddDelta : SmoothingKind.KneserNey;
        var progress = new ConsoleProgress(quiet: a.GetValue(Quiet));
        var sw = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        EventHandler onExit = (_, _) => ModelFile.DeletePendingTemporaries();
        AppDomain.CurrentDomain.ProcessExit += onExit;
        ModelBundle bundle;
        try
        {
            bundle = progress.Run(() =>
            {
                var b = CountShard.Merge(shards, a.GetValue(MinCount), smoothing, a.GetValue(Delta), (long)a.GetValue(TrainCommand.Memory) << 20,
                    a.GetValue(TrainCommand.Temp), new Core.Training.InlineProgress<TrainProgress>(p =>
                    {
                        string stage = p.Stage switch { TrainStage.Tokenizing => "reading", TrainStage.Counting => "merging", _ => "done" };
                        string text = p.Stage switch
                        {
                            TrainStage.Tokenizing => $"{p.FilesDone}/{p.FilesTotal} shards, {p.Tokens:N0} tokens",
                            TrainStage.Counting => $"records of {p.Tokens:N0} tokens in {p.FilesDone} files",
                            _ => $"{p.Elapsed.TotalSeconds:F1} s",
                        };
                        progress.Report(stage, p.Stage == TrainStage.Tokenizing ? p.FilesDone : 0, p.Stage == TrainStage.Tokenizing ? p.FilesTotal : 0, text, p.Elapsed, true);
                    }), cts.Token);
                progress.Report("writing", 0, 0, outPath, sw.Elapsed, true);
                b.Save(outPath, cts.Token);
                progress.Done();
                return b;
            });
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
        Console.WriteLine($"  model        {outPath} ({new FileInfo(outPath).Length / 1024.0 / 1024.0:F1} MiB) from {shards.Length} shards");
        Console.WriteLine($"  source       {string.Join(", ", bundle.Info.SourceRoots)}");
        Console.WriteLine($"  files        {bundle.Info.Files}, {bundle.Info.SkippedFiles} skipped");
        Console.WriteLine($"  tokens       {bundle.Info.Tokens:N0}");
        Console.WriteLine($"  vocabulary   {bundle.Vocabulary.Count:N0} (min count {a.GetValue(MinCount)})");
        Console.WriteLine($"  n-grams      {string.Join(" / ", c.Words.Select(w => w.Length.ToString("N0")))} (orders 1..{c.Order})");
        Console.WriteLine($"  time         {sw.Elapsed.TotalSeconds:F1} s, peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
        return 0;
    }
}
