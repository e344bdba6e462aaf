using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Cli;

public static class EvalCommand
{
    public static int Run(IEnumerable<string> argv)
    {
        var a = new Args(argv, new HashSet<string> { "--json" }, new HashSet<string> { "--model", "-m", "--setting", "--max-files", "--line-samples", "--min-probability" });
        if (a.Positional.Count != 1) throw new UsageException("eval wants one folder: completion-lsp eval <dir> --model FILE");
        string dir = a.Positional[0];
        if (!Directory.Exists(dir)) throw new UsageException($"no such folder: {dir}");
        string modelPath = a.Get("--model", "-m") ?? Cli.DefaultModelPath(dir);
        string setting = a.Get("--setting") ?? "both";
        if (setting is not ("static" or "dynamic" or "both" or "line" or "all")) throw new UsageException("--setting is static, dynamic, both, line or all");
        var bundle = ModelBundle.Load(modelPath);
        var corpus = Trainer.LoadCorpus(dir, new(), null, default);
        var test = corpus.Test;
        int maxFiles = a.Int("--max-files", int.MaxValue, 1);
        if (test.Count > maxFiles) test = test.Take(maxFiles).ToList();
        var results = new Dictionary<string, EvalResult>();
        var times = new Dictionary<string, double>();
        foreach (var s in new[] { "static", "dynamic" })
        {
            if (setting != "both" && setting != "all" && setting != s) continue;
            var sw = Stopwatch.StartNew();
            results[s] = Evaluator.Evaluate(bundle.NGram, test, s == "dynamic" ? bundle.Cache : null);
            times[s] = sw.Elapsed.TotalSeconds;
        }
        LineMetrics? line = null;
        if (setting is "line" or "all")
        {
            var lo = new LineOptions { MinProbability = a.Double("--min-probability", new LineOptions().MinProbability) };
            line = LineEvaluator.Evaluate(bundle, bundle.NGram, test, lo, a.Int("--line-samples", 2000, 1));
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
            Console.WriteLine(JsonSerializer.Serialize(obj, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        Console.WriteLine($"test split: {test.Count} files, {test.Sum(f => (long)f.Tokens.Length):N0} tokens; model {modelPath}");
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
        Console.WriteLine("unknown tokens are scored with P(<unk>) and never count as hits; </s> is included in bits/token.");
        return 0;
    }

    private static void Row(string setting, string kind, Metrics m) =>
        Console.WriteLine($"{setting,-9} {kind,-12} {m.Tokens,9:N0} {m.BitsPerToken,9:F3} {m.Top1Accuracy,7:P1} {m.Top5Accuracy,7:P1} {m.Mrr,7:F3}");
}
