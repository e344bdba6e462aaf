using System.CommandLine;
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
    private static readonly Argument<string> Dir = Opt.Arg("dir", "The repository the model was trained on: its test split is evaluated.");
    private static readonly Option<string?> Model = Opt.Text("--model", "FILE", "The model [default: <dir>/.completion-lsp/model].", "-m");
    private static readonly Option<string> Setting = Opt.Choice("--setting",
        "static: the model alone; dynamic: with the document cache; both; line: ghost text; infill: the bidirectional re-ranker; " +
        "semantic: the completion list with the semantic model, judged by Roslyn; all (everything but semantic).",
        "both", ["static", "dynamic", "both", "line", "infill", "semantic", "all"]);
    private static readonly Option<bool> Json = Opt.Flag("--json", "Print the figures as JSON.");
    private static readonly Option<int?> MaxFiles = Opt.OptionalInt("--max-files", 1, int.MaxValue, "Evaluate at most N test files.");
    private static readonly Option<string> Device = NeuralHook.DeviceOption("Where neural models run: auto (CUDA when present), cpu, cuda or cuda:N.");
    private static readonly Option<int> LineSamples = Opt.Int("--line-samples", 2000, 1, int.MaxValue, "line: caret positions sampled.");
    private static readonly Option<double> MinProbability = Opt.Double("--min-probability", new LineOptions().MinProbability, 0, 1,
        "line: the least probability of a suggestion (as the server's completionLsp.inline.minProbability).", "P");
    private static readonly Option<int> SemanticSamples = Opt.Int("--semantic-samples", 1500, 1, int.MaxValue, "semantic: caret positions sampled.");

    public static Command Build()
    {
        var c = new Command("eval", "Evaluate a model on the test split of a repository (files whose FNV-1a path hash mod 10 is 0).")
        {
            Dir, Model, Setting, Json, MaxFiles, Device, LineSamples, MinProbability, SemanticSamples,
        };
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        string dir = a.GetValue(Dir)!;
        if (!Directory.Exists(dir)) throw new UsageException($"no such folder: {dir}");
        string modelPath = a.GetValue(Model) ?? Cli.DefaultModelPath(dir);
        string setting = a.GetValue(Setting)!;
        var bundle = ModelBundle.Load(modelPath);
        var corpus = Trainer.LoadCorpus(dir, new(), null, default);
        var test = corpus.Test;
        int maxFiles = a.GetValue(MaxFiles) ?? int.MaxValue;
        if (test.Count > maxFiles) test = test.Take(maxFiles).ToList();
        if (setting == "semantic") return SemanticEval.Run(dir, modelPath, bundle, test, a.GetValue(SemanticSamples), a.GetValue(Json));
        // Each model alone and, with neural models, their mixture; the last one is the model the server uses.
        var models = NeuralHook.EvalModels(bundle, a.GetValue(Device)!, modelPath);
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
        var infill = setting is "infill" or "all" ? NeuralHook.EvalInfill(bundle, test, a.GetValue(Device)!, modelPath) : null;
        double infillSeconds = infillWatch.Elapsed.TotalSeconds;
        LineMetrics? line = null;
        GhostTextEvaluator.Result? tokenStart = null;
        if (setting is "line" or "all")
        {
            // Ghost text from the model the server uses (the mixture when there are neural models), with the document cache.
            var lo = new LineOptions { MinProbability = a.GetValue(MinProbability) };
            line = LineEvaluator.Evaluate(bundle, models[^1].Model, test, lo, a.GetValue(LineSamples));
            // Where users meet ghost text: at word starts, the file only up to the caret, 0-2 characters typed (the
            // engine as the server runs it, the language model alone: `--setting semantic` adds the semantic model).
            var engine = new CompletionEngine(new EngineOptions { Line = new EngineOptions().Line with { MinProbability = lo.MinProbability, TimeBudgetMs = 0 } },
                NeuralHook.Factory, NeuralHook.InfillFactory);
            engine.LoadModel(bundle, modelPath);
            tokenStart = GhostTextEvaluator.Evaluate(engine, dir, test, a.GetValue(LineSamples), [0, 1, 2]);
        }
        if (a.GetValue(Json))
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
            if (tokenStart != null)
                obj["lineTokenStart"] = tokenStart.Metrics.ToDictionary(kv => $"k{kv.Key}", kv => kv.Value.ToDictionary(g => g.Key, g => g.Value.ToJson()));
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
            Tables.Write(["model", "setting", "tokens", "bits/tok", "top-1", "top-5", "MRR@10"],
                all.SelectMany(kv => kv.Value.Select(x => Figures(kv.Key, x.Key, x.Value.Result.Overall))), textColumns: 2);
            if (all.Count > 0) Console.WriteLine($"(all models and settings evaluated in one pass: {all.Values.First().Values.First().Seconds:F1} s)");
            Console.WriteLine();
            if (results.Count > 0) Console.WriteLine($"{primary} by token kind:");
        }
        if (results.Count > 0)
            Tables.Write(["setting", "kind", "tokens", "bits/tok", "top-1", "top-5", "MRR@10"],
            results.SelectMany(kv => new[] { Figures(kv.Key, "overall", kv.Value.Overall) }.Concat(
                new[] { TokenKind.Identifier, TokenKind.Keyword, TokenKind.Punctuation, TokenKind.Literal }
                    .Select(k => Figures("", k.ToString().ToLowerInvariant(), kv.Value.ByKind[k])))), textColumns: 2);
        if (tokenStart != null)
        {
            Console.WriteLine();
            Console.WriteLine("ghost text at word starts (the file up to the caret, K characters of the word typed; no suggestion scores 0):");
            Tables.Write(["K", "positions", "group", "offered", "exact", "exact where offered", "edit similarity"],
                tokenStart.Metrics.SelectMany(kv => kv.Value.OrderBy(g => GroupOrder(g.Key)).Select(g => (IReadOnlyList<string>)
                    [$"{kv.Key}", $"{g.Value.Positions:N0}", g.Key, $"{g.Value.OfferedRate:P1}", $"{g.Value.ExactRate:P1}", $"{g.Value.ExactWhereOffered:P1}", $"{g.Value.EditSimilarity:F3}"])));
        }
        if (line != null)
        {
            Console.WriteLine();
            Console.WriteLine($"line completion at random cuts of a line: {line.Samples} samples, offered {line.OfferedRate:P1}; exact match {line.ExactMatch:P1} overall, {line.ExactMatchWhereOffered:P1} where offered;");
            Console.WriteLine($"  edit similarity {line.EditSimilarity:P1} overall, {line.EditSimilarityWhereOffered:P1} where offered");
            Console.WriteLine($"  spacing: the true rest of the line rendered from its tokens equals the original text in {line.SpacingAccuracy:P1} of the {line.SpacingSamples} samples without placeholders");
        }
        if (infill != null)
        {
            Console.WriteLine();
            Console.WriteLine($"infill (left and right context known): re-ranking the n-gram's top 10; the token is among them {(double)infill.InCandidates / Math.Max(1, infill.Base.Tokens):P1} of the time");
            Tables.Write(["ranking", "tokens", "top-1", "top-5", "MRR@10"],
                new[] { ("ngram", infill.Base), ("bilstm", infill.BiLstm), ("ngram x bilstm", infill.Product) }
                    .Select(x => (IReadOnlyList<string>)[x.Item1, $"{x.Item2.Tokens:N0}", $"{x.Item2.Top1Accuracy:P1}", $"{x.Item2.Top5Accuracy:P1}", $"{x.Item2.Mrr:F3}"]));
        }
        else if (setting is "infill") Console.WriteLine("infill: the model file has no bidirectional (bilstm) model");
        Console.WriteLine("unknown tokens are scored with P(<unk>) and never count as hits; </s> is included in bits/token.");
        return 0;
    }

    private static int GroupOrder(string g) => g switch
    {
        "all" => 0, SemanticEvaluator.AfterDot => 1, SemanticEvaluator.StatementStart => 2, SemanticEvaluator.Other => 3,
        "len 1-2" => 4, "len 3-5" => 5, "len 6-10" => 6, _ => 7,
    };

    private static IReadOnlyList<string> Figures(string a, string b, Metrics m) =>
        [a, b, $"{m.Tokens:N0}", $"{m.BitsPerToken:F3}", $"{m.Top1Accuracy:P1}", $"{m.Top5Accuracy:P1}", $"{m.Mrr:F3}"];
}
