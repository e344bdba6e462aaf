using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;
using CompletionLsp.Neural;
using CompletionLsp.Neural.Data;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Neural.Native;
using CompletionLsp.Neural.Training;

// Benchmarks of the neural models (not timed tests): training throughput and incremental inference latency.
//   neural-bench train-speed <corpus> --kind lstm|gru [--seconds 120] [--threads 0] [--embedding 128] [--hidden 256] [--batch 32] [--bptt 64]
//   neural-bench latency <model-file> <corpus> [--kinds lstm,gru] [--requests 2000]
//   neural-bench score-speed <model-file> <corpus> [--kinds lstm,gru]
var opts = ParseOptions(args.Skip(1));
string Opt(string name, string def) => opts.TryGetValue(name, out var v) ? v : def;
var pos = args.Skip(1).Where((a, i) => !a.StartsWith("--") && (i == 0 || !args.Skip(1).ElementAt(i - 1).StartsWith("--"))).ToList();
switch (args.FirstOrDefault())
{
    case "train-speed": TrainSpeed(pos[0]); break;
    case "latency": Latency(pos[0], pos[1]); break;
    case "score-speed": ScoreSpeed(pos[0], pos[1]); break;
    default:
        Console.Error.WriteLine("usage: neural-bench train-speed <corpus> --kind lstm | latency <model> <corpus> | score-speed <model> <corpus>");
        return 2;
}
return 0;

void TrainSpeed(string corpusDir)
{
    var kind = NeuralKinds.TryParse(Opt("--kind", "lstm"), out var k) ? k : throw new ArgumentException("--kind");
    var corpus = Trainer.LoadCorpus(corpusDir, new(), null, default);
    var vocab = Vocabulary.Build(corpus.Train.Select(f => f.Tokens), 2);
    var (fit, valid) = NeuralPipeline.SplitValidation(corpus.Train);
    var o = new NeuralOptions
    {
        Embedding = int.Parse(Opt("--embedding", "128")), Hidden = int.Parse(Opt("--hidden", "256")),
        BatchSize = int.Parse(Opt("--batch", "32")), Bptt = int.Parse(Opt("--bptt", "64")), Threads = int.Parse(Opt("--threads", "0")),
        TimeBudgetSeconds = double.Parse(Opt("--seconds", "120")), ValidateEverySeconds = 1e9, Epochs = 1, Dropout = 0.1,
    };
    var ids = fit.Select(f => TokenData.FileIds(vocab, f)).ToList();
    var vids = valid.Select(f => TokenData.FileIds(vocab, f)).ToList();
    var sw = Stopwatch.StartNew();
    double lastT = 0;
    var progress = new InlineProgress<NeuralProgress>(p =>
    {
        if (p.Note != null || sw.Elapsed.TotalSeconds - lastT < 10) return;
        lastT = sw.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"{p.Model} batch {p.Batch}/{p.BatchesPerEpoch} loss {p.Loss:F3} bits, {p.TokensPerSecond:N0} tokens/s");
    });
    using var r = NeuralTrainer.Train(kind, vocab, ids, vids, o, progress);
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        bench = "train-speed", impl = "torchsharp", kind = kind.Name(), vocab = vocab.StaticCount, embedding = o.Embedding, hidden = o.Hidden,
        batch = o.BatchSize, bptt = o.Bptt, threads = TorchSharp.torch.get_num_threads(), seconds = Math.Round(r.Report.Seconds, 1),
        tokens = r.Report.TokensSeen, tokensPerSecond = Math.Round(r.Report.TokensPerSecond), validBits = Math.Round(r.Report.BestValidBitsPerToken, 3),
    }));
}

void Latency(string modelPath, string corpusDir)
{
    var bundle = ModelBundle.Load(modelPath);
    var corpus = Trainer.LoadCorpus(corpusDir, new(), null, default);
    int requests = int.Parse(Opt("--requests", "2000"));
    var kinds = Opt("--kinds", string.Join(",", NeuralModels.KindsIn(bundle).Where(k => k.IsLeftToRight()).Select(k => k.Name())))
        .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => NeuralKinds.TryParse(n, out var k) ? k : throw new ArgumentException(n)).ToList();
    if (opts.TryGetValue("--threads", out var th)) TorchSharp.torch.set_num_threads(int.Parse(th));
    foreach (var kind in kinds)
    {
        using var lm = NeuralModels.Load(bundle, kind, "cpu", modelPath);
        var top = new List<ScoredToken>();
        // Typing through test files: each request extends the previous context by one token (the editor's common
        // case), asks for the top 10 and the probability of the next token.
        var typing = new List<double>();
        // Jumps: a request at a random earlier position of the same file (an edit elsewhere), served from a checkpoint.
        var jumps = new List<double>();
        var rng = new Random(1);
        // Warm-up: first request of a file (runs the whole prefix), not measured.
        foreach (var f in corpus.Test)
        {
            var ids = TokenData.FileIds(bundle.Vocabulary, f);
            lm.TopK(ids.AsSpan(0, 1), 10, null, top);
            for (int n = 2; n < ids.Length && typing.Count < requests; n++)
            {
                var t0 = Stopwatch.GetTimestamp();
                lm.TopK(ids.AsSpan(0, n), 10, null, top);
                lm.Probability(ids.AsSpan(0, n), ids[n]);
                typing.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (n % 50 == 0 && n > 200)
                {
                    int back = rng.Next(1, n - 1);
                    t0 = Stopwatch.GetTimestamp();
                    lm.TopK(ids.AsSpan(0, back), 10, null, top);
                    jumps.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    lm.TopK(ids.AsSpan(0, n), 10, null, top); // back to where typing was (not measured)
                }
            }
            if (typing.Count >= requests) break;
        }
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "latency", kind = kind.Name(), threads = TorchSharp.torch.get_num_threads(), requests = typing.Count,
            typingMedianMs = Math.Round(Pct(typing, 50), 3), typingP99Ms = Math.Round(Pct(typing, 99), 3), typingMaxMs = Math.Round(typing.Max(), 2),
            jumps = jumps.Count, jumpMedianMs = jumps.Count > 0 ? Math.Round(Pct(jumps, 50), 3) : 0, jumpP99Ms = jumps.Count > 0 ? Math.Round(Pct(jumps, 99), 3) : 0,
            tokensRun = lm.TokensRun, cacheHits = lm.CacheHits,
        }));
    }
}

void ScoreSpeed(string modelPath, string corpusDir)
{
    var bundle = ModelBundle.Load(modelPath);
    var corpus = Trainer.LoadCorpus(corpusDir, new(), null, default);
    var ids = corpus.Test.Select(f => TokenData.FileIds(bundle.Vocabulary, f)).ToList();
    foreach (var kind in NeuralModels.KindsIn(bundle).Where(k => k.IsLeftToRight()))
    {
        var (net, _) = CompletionLsp.Neural.Storage.NeuralSection.Read(modelPath, kind.Tag(), bundle.ExtraSections[kind.Tag()], bundle.Vocabulary);
        var sw = Stopwatch.StartNew();
        var p = Scoring.ScoreFiles(net, ids, Devices.Resolve("cpu"));
        long n = p.Sum(x => (long)x.Length);
        double bits = -p.SelectMany(x => x).Sum(x => Math.Log2(Math.Max(x, 1e-300))) / n;
        Console.WriteLine(JsonSerializer.Serialize(new { bench = "score-speed", kind = kind.Name(), tokens = n, seconds = Math.Round(sw.Elapsed.TotalSeconds, 2), tokensPerSecond = Math.Round(n / sw.Elapsed.TotalSeconds), bits = Math.Round(bits, 3) }));
        net.Dispose();
    }
}

static double Pct(List<double> xs, double p)
{
    var s = xs.OrderBy(x => x).ToList();
    return s[Math.Clamp((int)Math.Ceiling(p / 100 * s.Count) - 1, 0, s.Count - 1)];
}

static Dictionary<string, string> ParseOptions(IEnumerable<string> a)
{
    var d = new Dictionary<string, string>();
    var list = a.ToList();
    for (int i = 0; i < list.Count; i++)
        if (list[i].StartsWith("--") && i + 1 < list.Count) d[list[i]] = list[++i];
    return d;
}
