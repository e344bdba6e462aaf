using System.CommandLine;
using System.Diagnostics;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;
using CompletionLsp.Sql;

namespace CompletionLsp.Cli;

/// <summary>`import-counts`: a model of the counts that scripts/spark/ngram_counts.py wrote (vocabulary/, records/,
/// spacing/ and counts.json), the records sorted by DuckDB into the count trie.</summary>
public static class ImportCountsCommand
{
    private static readonly Argument<string> Dir = Opt.Arg("dir", "The counts folder the Spark job wrote (vocabulary/, records/, spacing/, counts.json).");
    private static readonly Option<string?> Out = Opt.Text("--out", "FILE", "Where to write the model.", "-o");

    public static Command Build()
    {
        var c = new Command("import-counts", "Make a model of n-gram counts counted with SQL on a cluster (scripts/spark/ngram_counts.py over `export-tokens`' table): the model `train --engine duckdb --no-tune` gives (the cache keeps its default concentrations).")
        {
            Dir, Out, CountingOptions.Smoothing, CountingOptions.Delta, CountingOptions.Memory, CountingOptions.Temp, CountingOptions.Quiet,
        };
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        var dir = a.GetValue(Dir)!;
        if (!Directory.Exists(dir)) throw new UsageException($"no such folder: {dir}");
        var outPath = a.GetValue(Out) ?? throw new UsageException("import-counts needs --out FILE");
        var resolvedOut = ModelFile.CheckWritable(outPath);
        var smoothing = CountingOptions.SmoothingOf(a);
        var progress = new ConsoleProgress(quiet: a.GetValue(CountingOptions.Quiet));
        var sw = Stopwatch.StartNew();
        ModelBundle bundle;
        try
        {
            int rc = ModelJob.Run(progress, ct =>
            {
                var b = DuckDbCounter.ImportCounts(dir, smoothing, a.GetValue(CountingOptions.Delta), CountingOptions.MemoryBytes(a), CountingOptions.TempFor(a, resolvedOut),
                    new InlineProgress<TrainProgress>(p => progress.Report(p.Stage == TrainStage.Done ? "done" : "importing", 0, 0,
                        p.Stage == TrainStage.Done ? $"{p.Elapsed.TotalSeconds:F1} s" : $"counts of {p.Tokens:N0} tokens in {p.FilesDone} files", p.Elapsed, true)), ct);
                progress.Report("writing", 0, 0, outPath, sw.Elapsed, true);
                b.Save(outPath, ct);
                progress.Done();
                return b;
            }, out bundle);
            if (rc != 0) return rc;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        ModelJob.WriteSummary(bundle, outPath, dir, sw);
        return 0;
    }
}
