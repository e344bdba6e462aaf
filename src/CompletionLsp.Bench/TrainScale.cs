using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CompletionLsp.Core.Corpus;

namespace CompletionLsp.Bench;

/// <summary>
/// `train-scale`: how training's cost grows with the corpus. For each size, the first training-split files of the
/// corpus (in path order) that hold that many tokens are copied, with their relative paths, to a temporary folder,
/// and `completion-lsp train` runs on them as a process; its wall time and peak RSS (the kernel's VmHWM, which the
/// train command prints) are reported with the model's size.
/// </summary>
public static class TrainScale
{
    public static Command Command()
    {
        var corpus = new Argument<DirectoryInfo>("corpus-dir") { Description = "a C# repository (its training split is sampled)" }.AcceptExistingOnly();
        var sizes = new Option<string>("--tokens") { Description = "comma-separated corpus sizes in tokens", DefaultValueFactory = _ => "100000,1000000,6000000", HelpName = "N,N,..." };
        var extra = new Option<string>("--train-args") { Description = "more arguments for `completion-lsp train`, space-separated (e.g. \"--no-tune --memory 64\")", DefaultValueFactory = _ => "", HelpName = "ARGS" };
        var runs = Common.Int("--runs", 1, "runs per size (the median is reported)", 1);
        var server = Common.Server();
        var c = new Command("train-scale", "Training time, peak RSS and model size at several corpus sizes (a prefix of the corpus's training files).")
        {
            corpus, sizes, extra, runs, server,
        };
        c.Run(p => Task.FromResult(Run(p.GetValue(corpus)!.FullName, p.GetValue(sizes)!, p.GetValue(extra)!, p.GetValue(runs), Common.ServerPath(p.GetValue(server)))));
        return c;
    }

    private static int Run(string corpus, string sizesText, string extra, int runs, string cli)
    {
        var sizes = sizesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : throw new ArgumentException($"--tokens: '{s}' is not a size")).ToList();
        var skipped = new List<SkippedFile>();
        var files = RepoWalker.Walk(corpus, skipped).Where(f => !f.IsTest).ToList();
        // Tokens per file, once, in path order (as the train command reads them).
        var counted = CorpusReader.Stream(files, skipped).Select(f => (f.RelativePath, (long)f.Tokens.Length)).ToList();
        long all = counted.Sum(f => f.Item2);
        Console.WriteLine($"corpus       {corpus}: {counted.Count} training files, {all:N0} tokens");
        Console.WriteLine($"train        dotnet {cli} train <prefix> --quiet {extra}");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var size in sizes)
        {
            using var dir = new TempFolder();
            long tokens = 0; int n = 0;
            foreach (var (rel, t) in counted)
            {
                if (tokens >= size) break;
                var to = Path.Combine(dir.Path, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(Path.Combine(corpus, rel), to);
                tokens += t; n++;
            }
            if (tokens < size) Console.WriteLine($"note         the corpus holds {tokens:N0} tokens, fewer than {size:N0}");
            var results = new List<(double Seconds, double PeakMiB, double ModelMiB)>();
            for (int r = 0; r < runs; r++)
            {
                var model = Path.Combine(dir.Path, $"model{r}");
                results.Add(TrainOnce(cli, dir.Path, model, extra));
            }
            double Median(IEnumerable<double> v) { var s = v.Order().ToList(); return s[(s.Count - 1) / 2]; }
            double sec = Median(results.Select(x => x.Seconds)), peak = Median(results.Select(x => x.PeakMiB));
            rows.Add([size.ToString("N0"), tokens.ToString("N0"), n.ToString("N0"), sec.ToString("F1"), peak.ToString("F0"),
                results[0].ModelMiB.ToString("F1"), (tokens / sec).ToString("N0"), (peak * 1048576.0 / tokens).ToString("F0")]);
        }
        Cli.Tables.Write(["tokens asked", "tokens", "files", "wall s", "peak RSS MiB", "model MiB", "tokens/s", "peak bytes/token"], rows, textColumns: 0);
        return 0;
    }

    private static (double Seconds, double PeakMiB, double ModelMiB) TrainOnce(string cli, string dir, string model, string extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cli, "train", dir, "--quiet", "--out", model }.Concat(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries))) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double seconds = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new ArgumentException($"train exited {p.ExitCode}: {stderr.Result}");
        var m = Regex.Match(stdout.Result, @"peak memory (\d+) MiB");
        return (seconds, m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN, new FileInfo(model).Length / 1048576.0);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("completion-lsp-scale-").FullName;
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }
}
