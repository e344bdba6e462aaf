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
        var resolvedOut = ModelFile.CheckWritable(outPath);
        var smoothing = a.GetValue(Smoothing) is "add-delta" or "delta" ? SmoothingKind.AddDelta : SmoothingKind.KneserNey;
        var progress = new ConsoleProgress(quiet: a.GetValue(Quiet));
        var sw = Stopwatch.StartNew();
        int rc = ModelJob.Run(progress, ct =>
        {
            var b = CountShard.Merge(shards, a.GetValue(MinCount), smoothing, a.GetValue(Delta), (long)a.GetValue(TrainCommand.Memory) << 20,
                TrainCommand.TempFor(a, resolvedOut), new Core.Training.InlineProgress<TrainProgress>(p =>
                {
                    string stage = p.Stage switch { TrainStage.Tokenizing => "reading", TrainStage.Counting => "merging", _ => "done" };
                    string text = p.Stage switch
                    {
                        TrainStage.Tokenizing => $"{p.FilesDone}/{p.FilesTotal} shards, {p.Tokens:N0} tokens",
                        TrainStage.Counting => $"records of {p.Tokens:N0} tokens in {p.FilesDone} files",
                        _ => $"{p.Elapsed.TotalSeconds:F1} s",
                    };
                    progress.Report(stage, p.Stage == TrainStage.Tokenizing ? p.FilesDone : 0, p.Stage == TrainStage.Tokenizing ? p.FilesTotal : 0, text, p.Elapsed, true);
                }), ct);
            progress.Report("writing", 0, 0, outPath, sw.Elapsed, true);
            b.Save(outPath, ct);
            progress.Done();
            return b;
        }, out var bundle);
        if (rc != 0) return rc;
        ModelJob.WriteSummary(bundle, outPath, $"{shards.Length} shards", sw);
        return 0;
    }
}
