using CompletionLsp.Core.Training;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural;
using CompletionLsp.Neural.Data;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Neural.Native;
using CompletionLsp.Neural.Training;

namespace CompletionLsp.Bench;

/// <summary>
/// Benchmarks of the neural models (not timed tests), one JSON line per result (bench/run.sh collects them):
/// training throughput (<c>neural train-speed</c>), incremental inference latency (<c>neural latency</c>) and
/// whole-file scoring throughput (<c>neural score-speed</c>).
/// </summary>
public static class NeuralBench
{
    public static Command Command()
    {
        var command = new Command("neural", "Benchmarks of the neural models (TorchSharp, CPU); each prints one JSON line per result.")
        {
            TrainSpeedCommand(), LatencyCommand(), ScoreSpeedCommand(),
        };
        return command;
    }

    private static Argument<DirectoryInfo> Corpus() =>
        new Argument<DirectoryInfo>("corpus") { Description = "a C# repository (train-speed trains on its train split; latency and score-speed read its test split)" }.AcceptExistingOnly();

    private static Argument<FileInfo> ModelFile() =>
        new Argument<FileInfo>("model-file") { Description = "a model file with neural sections (completion-lsp train --models ...)" }.AcceptExistingOnly();

    private static string[] KindNames => NeuralKinds.All.Select(k => k.Name()).ToArray();

    /// <summary>--kinds lstm,gru: left-to-right kinds (default: all those in the model file).</summary>
    private static Option<string> Kinds()
    {
        var o = new Option<string>("--kinds") { Description = "comma-separated left-to-right models to measure (default: all in the model file)", HelpName = "lstm,gru" };
        o.Validators.Add(r =>
        {
            foreach (var n in (r.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
                if (!NeuralKinds.TryParse(n, out var k) || !k.IsLeftToRight()) r.AddError($"--kinds: '{n}' is not one of {string.Join(", ", NeuralKinds.All.Where(x => x.IsLeftToRight()).Select(x => x.Name()))}");
        });
        return o;
    }

    private static List<NeuralKind> KindsOf(string? names, ModelBundle bundle) => names == null
        ? NeuralModels.KindsIn(bundle).Where(k => k.IsLeftToRight()).ToList()
        : names.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => NeuralKinds.TryParse(n, out var k) ? k : throw new ArgumentException(n)).ToList();

    private static Command TrainSpeedCommand()
    {
        var corpus = Corpus();
        var kind = new Option<string>("--kind") { Description = "the architecture", DefaultValueFactory = _ => "lstm" }.AcceptOnlyFromAmong(KindNames);
        var seconds = new Option<double>("--seconds") { Description = "training time budget", DefaultValueFactory = _ => 120, HelpName = "S" };
        seconds.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--seconds must be above 0"); });
        var threads = Common.Int("--threads", 0, "TorchSharp threads (0: its default)", 0);
        var embedding = Common.Int("--embedding", 128, "embedding size", 1);
        var hidden = Common.Int("--hidden", 256, "hidden size", 1);
        var batch = Common.Int("--batch", 32, "batch size", 1);
        var bptt = Common.Int("--bptt", 64, "truncated backpropagation length (tokens)", 1);
        var command = new Command("train-speed", "Training throughput (tokens/s) of one neural model on the corpus's train split, for a time budget.")
        {
            corpus, kind, seconds, threads, embedding, hidden, batch, bptt,
        };
        command.Run(p =>
        {
            NeuralKinds.TryParse(p.GetValue(kind)!, out var k);
            TrainSpeed(p.GetValue(corpus)!.FullName, k, new NeuralOptions
            {
                Embedding = p.GetValue(embedding), Hidden = p.GetValue(hidden), BatchSize = p.GetValue(batch), Bptt = p.GetValue(bptt),
                Threads = p.GetValue(threads), TimeBudgetSeconds = p.GetValue(seconds), ValidateEverySeconds = 1e9, Epochs = 1, Dropout = 0.1,
            });
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command LatencyCommand()
    {
        var model = ModelFile();
        var corpus = Corpus();
        var kinds = Kinds();
        var requests = Common.Int("--requests", 2000, "typing requests to time per model", 1);
        var threads = new Option<int?>("--threads") { Description = "TorchSharp threads (default: its own)", HelpName = "N" };
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--threads must be at least 1"); });
        var command = new Command("latency", """
            Incremental inference latency: typing through the corpus's test files, each request extends the previous context
            by one token and asks for the top 10 and the next token's probability; now and then a jump back to an earlier
            position of the same file (an edit elsewhere, served from a checkpoint).
            """)
        {
            model, corpus, kinds, requests, threads,
        };
        command.Run(p =>
        {
            Latency(p.GetValue(model)!.FullName, p.GetValue(corpus)!.FullName, p.GetValue(kinds), p.GetValue(requests), p.GetValue(threads));
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command ScoreSpeedCommand()
    {
        var model = ModelFile();
        var corpus = Corpus();
        var kinds = Kinds();
        var command = new Command("score-speed", "Whole-file scoring throughput (tokens/s) and bits per token of each neural model on the corpus's test split.")
        {
            model, corpus, kinds,
        };
        command.Run(p =>
        {
            ScoreSpeed(p.GetValue(model)!.FullName, p.GetValue(corpus)!.FullName, p.GetValue(kinds));
            return Task.FromResult(0);
        });
        return command;
    }

    public static void TrainSpeed(string corpusDir, NeuralKind kind, NeuralOptions o)
    {
        var corpus = Trainer.LoadCorpus(corpusDir, new(), null, default);
        var vocab = Vocabulary.Build(corpus.Train.Select(f => f.Tokens), 2);
        var (fit, valid) = NeuralPipeline.SplitValidation(corpus.Train);
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

    public static void Latency(string modelPath, string corpusDir, string? kindNames, int requests, int? threads)
    {
        var bundle = ModelBundle.Load(modelPath);
        var corpus = Trainer.LoadCorpus(corpusDir, new(), null, default);
        if (threads is int th) TorchSharp.torch.set_num_threads(th);
        foreach (var kind in KindsOf(kindNames, bundle))
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
            var ty = Stats.Sorted(typing);
            var ju = Stats.Sorted(jumps);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "latency", kind = kind.Name(), threads = TorchSharp.torch.get_num_threads(), requests = ty.Count,
                typingMedianMs = Math.Round(Stats.Percentile(ty, 50), 3), typingP99Ms = Math.Round(Stats.Percentile(ty, 99), 3), typingMaxMs = Math.Round(ty.Max(), 2),
                jumps = ju.Count, jumpMedianMs = ju.Count > 0 ? Math.Round(Stats.Percentile(ju, 50), 3) : 0, jumpP99Ms = ju.Count > 0 ? Math.Round(Stats.Percentile(ju, 99), 3) : 0,
                tokensRun = lm.TokensRun, cacheHits = lm.CacheHits,
            }));
        }
    }

    public static void ScoreSpeed(string modelPath, string corpusDir, string? kindNames)
    {
        var bundle = ModelBundle.Load(modelPath);
        var corpus = Trainer.LoadCorpus(corpusDir, new(), null, default);
        var ids = corpus.Test.Select(f => TokenData.FileIds(bundle.Vocabulary, f)).ToList();
        foreach (var kind in KindsOf(kindNames, bundle))
        {
            if (!bundle.ExtraSections.TryGetValue(kind.Tag(), out var section)) throw new ArgumentException($"{modelPath} has no {kind.Name()} model");
            var (net, _) = Neural.Storage.NeuralSection.Read(modelPath, kind.Tag(), section, bundle.Vocabulary);
            var sw = Stopwatch.StartNew();
            var p = Scoring.ScoreFiles(net, ids, Devices.Resolve("cpu"));
            long n = p.Sum(x => (long)x.Length);
            double bits = -p.SelectMany(x => x).Sum(x => Math.Log2(Math.Max(x, 1e-300))) / n;
            Console.WriteLine(JsonSerializer.Serialize(new { bench = "score-speed", kind = kind.Name(), tokens = n, seconds = Math.Round(sw.Elapsed.TotalSeconds, 2), tokensPerSecond = Math.Round(n / sw.Elapsed.TotalSeconds), bits = Math.Round(bits, 3) }));
            net.Dispose();
        }
    }
}
