using CompletionLsp.Core.Training;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Bench;

/// <summary>
/// Query latency of the completion engine in-process (no LSP): opens each test-split file of a repository in a
/// <see cref="CompletionEngine"/> with a model and asks for the top 10 at token boundaries spread over the file (as an
/// editor would while typing), timing each query. Used by bench/kenlm-compare.sh.
/// </summary>
public static class EngineLatency
{
    public static Command Command()
    {
        var repo = new Argument<DirectoryInfo>("repo") { Description = "a C# repository: queries at token positions of its test-split files" }.AcceptExistingOnly();
        var model = Common.Model("the model file to query");
        model.Required = true;
        var queries = Common.Int("--queries", 2000, "queries to time (after 300 warm-up ones)", 1);
        var line = new Option<bool>("--line") { Description = "also time a line completion (3 suggestions) at each position" };
        var command = new Command("engine", """
            Query latency of the completion engine in-process (no LSP): opens each test-split file of the repository in a
            CompletionEngine with the model and asks for the top 10 at token boundaries spread over the file (half at a
            token's end, half inside an identifier), timing each query.
            """)
        {
            repo, model, queries, line,
        };
        command.Run(p => Task.FromResult(Run(p.GetValue(repo)!.FullName, p.GetValue(model)!.FullName, p.GetValue(queries), p.GetValue(line))));
        return command;
    }

    public static int Run(string repo, string modelPath, int queries, bool line)
    {
        var swLoad = Stopwatch.StartNew();
        var bundle = ModelBundle.Load(modelPath);
        double loadMs = swLoad.Elapsed.TotalMilliseconds;
        var corpus = Trainer.LoadCorpus(repo, new WalkOptions(), null, default);
        var files = corpus.Test.Count > 0 ? corpus.Test : corpus.Train;
        var engine = new CompletionEngine();
        engine.LoadModel(bundle, modelPath);

        var rng = new Random(1);
        var work = new List<(string Uri, int Offset)>();
        foreach (var f in files)
        {
            var text = RepoWalker.ReadSource(Path.Combine(repo, f.RelativePath), out _);
            if (text == null || f.Tokens.Length == 0) continue;
            string uri = "file:///" + f.RelativePath;
            engine.Open(uri, text, 1);
            int per = Math.Max(1, queries / files.Count + 1);
            for (int i = 0; i < per; i++)
            {
                var t = f.Tokens[rng.Next(f.Tokens.Length)];
                // Half at a token's end (after '.', after a keyword), half in the middle of an identifier (a typed prefix).
                int offset = rng.Next(2) == 0 || t.Length < 2 ? t.End : t.Start + 1 + rng.Next(t.Length - 1);
                work.Add((uri, offset));
            }
        }
        work = work.OrderBy(_ => rng.Next()).Take(queries).ToList();

        // Warm-up (JIT, tiered compilation), then measure.
        foreach (var (uri, offset) in work.Take(300)) { engine.Complete(uri, offset, 10); if (line) engine.CompleteLine(uri, offset, 3); }
        var times = new List<double>(work.Count);
        var lineTimes = new List<double>();
        var sw = new Stopwatch();
        int items = 0;
        foreach (var (uri, offset) in work)
        {
            sw.Restart();
            var list = engine.Complete(uri, offset, 10);
            times.Add(sw.Elapsed.TotalMilliseconds);
            items += list.Items.Count;
            if (line)
            {
                sw.Restart();
                engine.CompleteLine(uri, offset, 3);
                lineTimes.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        Console.WriteLine($"model       {modelPath} (order {bundle.NGram.Counts.Order}, {bundle.NGram.Counts.TotalNGrams:N0} n-grams, vocabulary {bundle.Vocabulary.StaticCount:N0}), loaded in {loadMs:F0} ms");
        Console.WriteLine($"documents   {files.Count} ({(corpus.Test.Count > 0 ? "test split" : "train split")}), {work.Count} queries, {(double)items / Math.Max(1, work.Count):F1} items per query");
        Console.WriteLine($"top-10      {Summary(times)}");
        if (line) Console.WriteLine($"line (3)    {Summary(lineTimes)}");
        return 0;
    }

    private static string Summary(List<double> times)
    {
        var t = Stats.Sorted(times);
        if (t.Count == 0) return "n 0";
        return string.Create(CultureInfo.InvariantCulture,
            $"n {t.Count}, median {Stats.Percentile(t, 50):F3} ms, p90 {Stats.Percentile(t, 90):F3} ms, p99 {Stats.Percentile(t, 99):F3} ms, max {t[^1]:F3} ms, mean {t.Average():F3} ms");
    }
}
