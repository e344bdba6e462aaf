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

    public static Command Build()
    {
        var c = new Command("merge", "Estimate one model from count shards (`train --counts-only`): the model that training on all their files at once gives (the cache keeps its default concentrations).")
        {
            Shards, Out, CountingOptions.MinCount, CountingOptions.Smoothing, CountingOptions.Delta, CountingOptions.Memory, CountingOptions.Temp, CountingOptions.Quiet,
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
        var smoothing = CountingOptions.SmoothingOf(a);
        var progress = new ConsoleProgress(quiet: a.GetValue(CountingOptions.Quiet));
        var sw = Stopwatch.StartNew();
        int rc = ModelJob.Run(progress, ct =>
        {
            var b = CountShard.Merge(shards, a.GetValue(CountingOptions.MinCount), smoothing, a.GetValue(CountingOptions.Delta), CountingOptions.MemoryBytes(a),
                CountingOptions.TempFor(a, resolvedOut), new Core.Training.InlineProgress<TrainProgress>(p =>
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
