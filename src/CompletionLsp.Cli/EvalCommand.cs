using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Cli;

public static class EvalCommand
{
    public static int Run(IEnumerable<string> argv)
    {
        var a = new Args(argv, new HashSet<string> { "--json" }, new HashSet<string> { "--model", "-m", "--setting", "--max-files", "--device", "--line-samples", "--min-probability", "--semantic-samples" });
        if (a.Positional.Count != 1) throw new UsageException("eval wants one folder: completion-lsp eval <dir> --model FILE");
        string dir = a.Positional[0];
        if (!Directory.Exists(dir)) throw new UsageException($"no such folder: {dir}");
        string modelPath = a.Get("--model", "-m") ?? Cli.DefaultModelPath(dir);
        string setting = a.Get("--setting") ?? "both";
        if (setting is not ("static" or "dynamic" or "both" or "line" or "infill" or "semantic" or "all")) throw new UsageException("--setting is static, dynamic, both, line, infill, semantic or all");
        var bundle = ModelBundle.Load(modelPath);
        var corpus = Trainer.LoadCorpus(dir, new(), null, default);
        var test = corpus.Test;
        int maxFiles = a.Int("--max-files", int.MaxValue, 1);
        if (test.Count > maxFiles) test = test.Take(maxFiles).ToList();
        if (setting == "semantic") return SemanticEval.Run(dir, modelPath, bundle, test, a.Int("--semantic-samples", 1500, 1), a.Flag("--json"));
        // Each model alone and, with neural models, their mixture; the last one is the model the server uses.
        var models = NeuralHook.EvalModels(bundle, a.Get("--device") ?? "auto", modelPath);
        var all = new Dictionary<string, Dictionary<string, (EvalResult Result, double Seconds)>>();
        bool wantStatic = setting is "static" or "both" or "all", wantDynamic = setting is "dynamic" or "both" or "all";
        if (models.Count == 1)
        {
            foreach (var s in new[] { "static", "dynamic" })
            {
                if (s == "static" ? !wantStatic : !wantDynamic) continue;
                var sw = Stopwatch.StartNew();
                var r = Evaluator.Evaluate(models[0].Model, test, s == "dynamic" ? bundle.Cache : null);
                (all.TryGetValue(models[0].Name, out var d) ? d : all[models[0].Name] = new())[s] = (r, sw.Elapsed.TotalSeconds);
            }
        }
        else if (wantStatic || wantDynamic)
        {
            // Every model and setting in one pass: each neural network runs once per token (see JointEvaluator).
            var sw = Stopwatch.StartNew();
            var joint = NeuralHook.EvalJoint(models, test, bundle.Cache, wantStatic, wantDynamic);
            double secs = sw.Elapsed.TotalSeconds;
            foreach (var (s, per) in joint)
                foreach (var (name, r) in per)
                    (all.TryGetValue(name, out var d) ? d : all[name] = new())[s] = (r, secs);
        }
        var primary = models[^1].Name;
        var results = all.TryGetValue(primary, out var pr) ? pr.ToDictionary(kv => kv.Key, kv => kv.Value.Result) : new();
        var times = all.TryGetValue(primary, out pr) ? pr.ToDictionary(kv => kv.Key, kv => kv.Value.Seconds) : new();
        var infillWatch = Stopwatch.StartNew();
        var infill = setting is "infill" or "all" ? NeuralHook.EvalInfill(bundle, test, a.Get("--device") ?? "auto", modelPath) : null;
        double infillSeconds = infillWatch.Elapsed.TotalSeconds;
        LineMetrics? line = null;
        if (setting is "line" or "all")
        {
            // Ghost text from the model the server uses (the mixture when there are neural models), with the document cache.
            var lo = new LineOptions { MinProbability = a.Double("--min-probability", new LineOptions().MinProbability) };
            line = LineEvaluator.Evaluate(bundle, models[^1].Model, test, lo, a.Int("--line-samples", 2000, 1));
        }
        if (a.Flag("--json"))
        {
            var obj = new Dictionary<string, object>
            {
                ["model"] = Path.GetFullPath(modelPath),
                ["testFiles"] = test.Count,
                ["testTokens"] = test.Sum(f => (long)f.Tokens.Length),
                ["unknownScoring"] = "a token outside the vocabulary is scored with P(<unk>); predicting <unk> never counts as a hit; </s> is scored in bits/token",
            };
            foreach (var (name, r) in results)
                obj[name] = new
                {
                    overall = r.Overall.ToJson(),
                    byKind = r.ByKind.ToDictionary(k => k.Key.ToString().ToLowerInvariant(), k => k.Value.ToJson()),
                    seconds = Math.Round(times[name], 2),
                };
            if (line != null) obj["line"] = line.ToJson();
            if (models.Count > 1)
            {
                obj["primary"] = primary;
                obj["models"] = all.ToDictionary(kv => kv.Key, kv => kv.Value.ToDictionary(x => x.Key, x => new
                {
                    overall = x.Value.Result.Overall.ToJson(), seconds = Math.Round(x.Value.Seconds, 2),
                }));
            }
            if (infill != null)
                obj["infill"] = new
                {
                    candidates = 10, inCandidates = infill.InCandidates, ngram = infill.Base.ToJson(), bilstm = infill.BiLstm.ToJson(),
                    product = infill.Product.ToJson(), seconds = Math.Round(infillSeconds, 2),
                };
            Console.WriteLine(JsonSerializer.Serialize(obj, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        Console.WriteLine($"test split: {test.Count} files, {test.Sum(f => (long)f.Tokens.Length):N0} tokens; model {modelPath}");
        if (models.Count > 1)
        {
            Console.WriteLine($"{"model",-9} {"setting",-9} {"tokens",9} {"bits/tok",9} {"top-1",7} {"top-5",7} {"MRR@10",7}");
            foreach (var (name, per) in all)
                foreach (var (s, (r, secs)) in per)
                {
                    var m = r.Overall;
                    Console.WriteLine($"{name,-9} {s,-9} {m.Tokens,9:N0} {m.BitsPerToken,9:F3} {m.Top1Accuracy,7:P1} {m.Top5Accuracy,7:P1} {m.Mrr,7:F3}");
                }
            if (all.Count > 0) Console.WriteLine($"(all models and settings evaluated in one pass: {all.Values.First().Values.First().Seconds:F1} s)");
            Console.WriteLine();
            if (results.Count > 0) Console.WriteLine($"{primary} by token kind:");
        }
        Console.WriteLine($"{"setting",-9} {"kind",-12} {"tokens",9} {"bits/tok",9} {"top-1",7} {"top-5",7} {"MRR@10",7}");
        foreach (var (name, r) in results)
        {
            Row(name, "overall", r.Overall);
            foreach (var k in new[] { TokenKind.Identifier, TokenKind.Keyword, TokenKind.Punctuation, TokenKind.Literal })
                Row("", k.ToString().ToLowerInvariant(), r.ByKind[k]);
        }
        if (line != null)
        {
            Console.WriteLine();
            Console.WriteLine($"line completion: {line.Samples} samples, offered {line.OfferedRate:P1}; exact match {line.ExactMatch:P1} overall, {line.ExactMatchWhereOffered:P1} where offered;");
            Console.WriteLine($"  edit similarity {line.EditSimilarity:P1} overall, {line.EditSimilarityWhereOffered:P1} where offered");
            Console.WriteLine($"  spacing: the true rest of the line rendered from its tokens equals the original text in {line.SpacingAccuracy:P1} of the {line.SpacingSamples} samples without placeholders");
        }
        if (infill != null)
        {
            Console.WriteLine();
            Console.WriteLine($"infill (left and right context known): re-ranking the n-gram's top 10; the token is among them {(double)infill.InCandidates / Math.Max(1, infill.Base.Tokens):P1} of the time");
            Console.WriteLine($"{"ranking",-16} {"tokens",9} {"top-1",7} {"top-5",7} {"MRR@10",7}");
            foreach (var (n, m) in new[] { ("ngram", infill.Base), ("bilstm", infill.BiLstm), ("ngram x bilstm", infill.Product) })
                Console.WriteLine($"{n,-16} {m.Tokens,9:N0} {m.Top1Accuracy,7:P1} {m.Top5Accuracy,7:P1} {m.Mrr,7:F3}");
        }
        else if (setting is "infill") Console.WriteLine("infill: the model file has no bidirectional (bilstm) model");
        Console.WriteLine("unknown tokens are scored with P(<unk>) and never count as hits; </s> is included in bits/token.");
        return 0;
    }

    private static void Row(string setting, string kind, Metrics m) =>
        Console.WriteLine($"{setting,-9} {kind,-12} {m.Tokens,9:N0} {m.BitsPerToken,9:F3} {m.Top1Accuracy,7:P1} {m.Top5Accuracy,7:P1} {m.Mrr,7:F3}");
}
