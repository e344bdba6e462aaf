using System.CommandLine;
using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Training;
using CompletionLsp.Sql;

namespace CompletionLsp.Cli;

/// <summary>`export-tokens`: the training files' tokens as a Parquet token table, for counting on a cluster
/// (scripts/spark/ngram_counts.py runs the SQL engine's statements on Spark; `import-counts` makes the model).</summary>
public static class ExportTokensCommand
{
    private static readonly Argument<string[]> Dirs = new("dir")
    {
        Description = "The repositories (or any folders) whose .cs files to export, in this order.",
        Arity = ArgumentArity.OneOrMore,
    };
    private static readonly Option<string?> Out = Opt.Text("--out", "FILE", "Where to write the token table (Parquet).", "-o");
    private static readonly Option<bool> AllFiles = Opt.Flag("--all-files", "Export the test split too (for the model you serve, not for eval).");

    public static Command Build()
    {
        var c = new Command("export-tokens", "Write the training files' tokens as a Parquet token table (one row per token, <s> and </s> framing each file), for counting n-grams with SQL on a cluster: see scripts/spark/ngram_counts.py and `import-counts`.")
        {
            Dirs, Out, AllFiles, CountingOptions.Quiet,
        };
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        var dirs = a.GetValue(Dirs)!;
        foreach (var d in dirs) if (!Directory.Exists(d)) throw new UsageException($"no such folder: {d}");
        var outPath = a.GetValue(Out) ?? throw new UsageException("export-tokens needs --out FILE");
        var options = new TrainOptions { Root = dirs[0], MoreRoots = dirs.Skip(1).ToArray(), AllFiles = a.GetValue(AllFiles) };
        var progress = new ConsoleProgress(quiet: a.GetValue(CountingOptions.Quiet));
        var sw = Stopwatch.StartNew();
        var skipped = new List<SkippedFile>();
        int rc = ModelJob.Run(progress, ct =>
        {
            var read = new InlineProgress<ReadProgress>(p => progress.Report("tokenizing", p.FilesDone, p.FilesTotal, $"{p.FilesDone}/{p.FilesTotal} files, {p.TokensDone:N0} tokens", sw.Elapsed, p.FilesDone == p.FilesTotal));
            var i = TokenTableParquet.Write(outPath, Trainer.TrainingFiles(options, skipped, read, ct), options.Roots.Select(Path.GetFullPath).ToArray(), ct);
            progress.Done();
            return i;
        }, out TokenTableInfo info, kept: "nothing was written");
        if (rc != 0) return rc;
        Console.WriteLine();
        Console.WriteLine($"  tokens       {outPath} ({new FileInfo(outPath).Length / 1024.0 / 1024.0:F1} MiB): count with scripts/spark/ngram_counts.py, then `completion-lsp import-counts`");
        Console.WriteLine($"  files        {info.Files} exported{(options.AllFiles ? " (all files)" : ", test split left out")} ({info.HeldOutFiles} held out for tuning), {skipped.Count} skipped");
        Console.WriteLine($"  rows         {info.Rows:N0} ({info.Tokens:N0} tokens, <s> and </s> around each file)");
        Console.WriteLine($"  time         {sw.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
