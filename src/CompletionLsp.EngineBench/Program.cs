using System.Diagnostics;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

// Query latency of the completion engine: completion-lsp-enginebench <repo> --model FILE [--queries N] [--line]
// Opens each test-split file of <repo> in a CompletionEngine with the model and asks for the top 10 at token
// boundaries spread over the file (as an editor would while typing), timing each query.
if (args.Length < 3 || args[1] != "--model")
{
    Console.Error.WriteLine("usage: CompletionLsp.EngineBench <repo> --model FILE [--queries N] [--line]");
    return 2;
}
string repo = args[0], modelPath = args[2];
int queries = 2000;
bool line = args.Contains("--line");
int qi = Array.IndexOf(args, "--queries");
if (qi >= 0) queries = int.Parse(args[qi + 1]);

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

static string Stats(List<double> t)
{
    t.Sort();
    double P(double q) => t[Math.Min(t.Count - 1, (int)Math.Ceiling(q * t.Count) - 1)];
    return $"n {t.Count}, median {P(0.5):F3} ms, p90 {P(0.9):F3} ms, p99 {P(0.99):F3} ms, max {t[^1]:F3} ms, mean {t.Average():F3} ms";
}
Console.WriteLine($"model       {modelPath} (order {bundle.NGram.Counts.Order}, {bundle.NGram.Counts.TotalNGrams:N0} n-grams, vocabulary {bundle.Vocabulary.StaticCount:N0}), loaded in {loadMs:F0} ms");
Console.WriteLine($"documents   {files.Count} ({(corpus.Test.Count > 0 ? "test split" : "train split")}), {work.Count} queries, {(double)items / Math.Max(1, work.Count):F1} items per query");
Console.WriteLine($"top-10      {Stats(times)}");
if (line) Console.WriteLine($"line (3)    {Stats(lineTimes)}");
return 0;
