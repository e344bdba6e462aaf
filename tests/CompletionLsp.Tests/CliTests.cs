using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Tests;

/// <summary>Runs the built CLI (completion-lsp.dll, next to the tests) as a process.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static Result Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "completion-lsp.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        if (!proc.WaitForExit(180_000)) { proc.Kill(true); Assert.Fail("completion-lsp " + string.Join(' ', args) + " did not finish in 3 minutes"); }
        return new Result(proc.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fixture repository (a copy of this repository's src/) with a model trained by the CLI.</summary>
public sealed class CliRepoFixture : IDisposable
{
    public TempDir Dir { get; } = new("cli");
    public string Repo => Dir.Path;
    public string ModelPath => Path.Combine(Repo, ".completion-lsp", "model");
    public CliRunner.Result Train { get; }

    public CliRepoFixture()
    {
        Dir.CopySources();
        Train = CliRunner.Run("train", Repo, "--order", "4"); // default output: <repo>/.completion-lsp/model
    }

    public void Dispose() => Dir.Dispose();
}

public sealed class CliTests(CliRepoFixture fx) : IClassFixture<CliRepoFixture>
{
    [Fact]
    public void Train_writes_the_model_and_prints_a_summary()
    {
        Assert.True(fx.Train.ExitCode == 0, fx.Train.ToString());
        Assert.True(File.Exists(fx.ModelPath), fx.Train.ToString());
        foreach (var field in new[] { "model", "files", "tokens", "vocabulary", "n-grams", "smoothing", "peak memory" })
            Assert.Contains(field, fx.Train.Stdout);
        Assert.Contains("interpolated modified Kneser-Ney", fx.Train.Stdout);
        var b = ModelBundle.Load(fx.ModelPath);
        Assert.Equal(4, b.NGram.Counts.Order);
        Assert.True(b.Info.Files > 10);
        Assert.True(b.Info.Tokens > 5000);
        Assert.Contains($"{b.Info.Files} trained", fx.Train.Stdout);
        Assert.Equal(Path.GetFullPath(fx.Repo), b.Info.SourceRoot);
    }

    [Fact]
    public void Train_quiet_prints_no_progress_but_the_summary()
    {
        using var tmp = new TempDir("cli-quiet");
        var loud = CliRunner.Run("train", fx.Repo, "--out", Path.Combine(tmp.Path, "a"), "--order", "2", "--no-tune");
        var quiet = CliRunner.Run("train", fx.Repo, "--out", Path.Combine(tmp.Path, "b"), "--order", "2", "--no-tune", "--quiet");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Contains("tokenizing", loud.Stderr);
        Assert.DoesNotContain("tokenizing", quiet.Stderr);
        Assert.Contains("n-grams", quiet.Stdout);
    }

    [Fact]
    public void Train_with_options_writes_where_asked()
    {
        using var tmp = new TempDir("cli-out");
        var outPath = Path.Combine(tmp.Path, "nested", "m.model");
        var r = CliRunner.Run("train", fx.Repo, "--out", outPath, "--order", "2", "--smoothing", "add-delta", "--delta", "0.1", "--min-count", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        var b = ModelBundle.Load(outPath);
        Assert.Equal(2, b.NGram.Counts.Order);
        Assert.Equal(SmoothingKind.AddDelta, b.NGram.Options.Smoothing);
        Assert.Equal(0.1, b.NGram.Options.Delta);
        Assert.Equal(3, b.Info.MinCount);
        Assert.Contains("add-delta", r.Stdout);
    }

    [Fact]
    public void Eval_json_has_every_field_in_range_and_the_cache_helps_on_real_code()
    {
        var r = CliRunner.Run("eval", fx.Repo, "--model", fx.ModelPath, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(Path.GetFullPath(fx.ModelPath), root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("testFiles").GetInt32() > 0);
        long testTokens = root.GetProperty("testTokens").GetInt64();
        Assert.True(testTokens > 500);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("unknownScoring").GetString()));
        var bits = new Dictionary<string, double>();
        foreach (var setting in new[] { "static", "dynamic" })
        {
            var s = root.GetProperty(setting);
            Assert.True(s.GetProperty("seconds").GetDouble() >= 0);
            var o = s.GetProperty("overall");
            AssertMetrics(o, setting);
            Assert.Equal(testTokens, o.GetProperty("tokens").GetInt64());
            long kindTokens = 0;
            foreach (var kind in new[] { "identifier", "keyword", "punctuation", "literal" })
            {
                var k = s.GetProperty("byKind").GetProperty(kind);
                AssertMetrics(k, setting + " " + kind);
                kindTokens += k.GetProperty("tokens").GetInt64();
            }
            Assert.Equal(testTokens, kindTokens);
            bits[setting] = o.GetProperty("bitsPerToken").GetDouble();
        }
        Assert.True(bits["dynamic"] < bits["static"], $"dynamic {bits["dynamic"]} bits/token is not better than static {bits["static"]}");

        static void AssertMetrics(JsonElement m, string what)
        {
            double b = m.GetProperty("bitsPerToken").GetDouble(), t1 = m.GetProperty("top1").GetDouble(), t5 = m.GetProperty("top5").GetDouble(), mrr = m.GetProperty("mrr10").GetDouble();
            long tokens = m.GetProperty("tokens").GetInt64(), unk = m.GetProperty("unknown").GetInt64();
            Assert.True(b > 0 && b < 25, $"{what}: bits/token {b}");
            Assert.True(t1 >= 0 && t1 <= t5 && t5 <= 1, $"{what}: top-1 {t1}, top-5 {t5}");
            Assert.True(mrr >= t1 - 1e-4 && mrr <= 1, $"{what}: MRR {mrr}, top-1 {t1}");
            Assert.True(unk >= 0 && unk <= tokens, $"{what}: {unk} unknown of {tokens}");
        }
    }

    [Fact]
    public void Eval_text_output_and_a_single_setting()
    {
        var r = CliRunner.Run("eval", fx.Repo, "--model", fx.ModelPath, "--setting", "static", "--max-files", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("bits/tok", r.Stdout);
        Assert.Contains("static", r.Stdout);
        Assert.DoesNotContain("dynamic", r.Stdout);
        Assert.Contains("test split: 1 files", r.Stdout);
    }

    private string Probe(string name, string text) => fx.Dir.File(Path.Combine("probe", name), text);

    /// <summary>Parses "  1. 58.59 %  class   keyword" lines.</summary>
    private static List<(string Text, double Percent)> Items(string stdout) =>
        stdout.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\s*\d+\.\s+([\d.]+)\s*%\s+(\S+)"))
            .Where(m => m.Success)
            .Select(m => (m.Groups[2].Value, double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();

    [Fact]
    public void Complete_prints_a_ranked_list_and_honours_the_typed_prefix()
    {
        var file = Probe("Sealed.cs", "namespace Probe;\n\npublic sealed \n");
        var r = CliRunner.Run("complete", $"{file}:3:15", "--model", fx.ModelPath, "-n", "8");
        Assert.True(r.ExitCode == 0, r.ToString());
        var items = Items(r.Stdout);
        Assert.Equal(8, items.Count);
        Assert.True(items.Take(3).Any(i => i.Text is "class" or "record"), r.Stdout);
        for (int i = 1; i < items.Count; i++) Assert.True(items[i].Percent <= items[i - 1].Percent, r.Stdout);
        Assert.StartsWith("1.", r.Stdout.Trim());

        var prefixed = Probe("Prefix.cs", "namespace Probe;\n\npublic sealed cl\n");
        r = CliRunner.Run("complete", $"{prefixed}:3:17", "--model", fx.ModelPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("prefix 'cl'", r.Stdout);
        items = Items(r.Stdout);
        Assert.NotEmpty(items);
        Assert.Equal("class", items[0].Text);
        Assert.All(items, i => Assert.StartsWith("cl", i.Text, StringComparison.OrdinalIgnoreCase));

        // The model is found upwards from the file when --model is not given.
        r = CliRunner.Run("complete", $"{file}:3:15");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(Items(CliRunner.Run("complete", $"{file}:3:15", "--model", fx.ModelPath).Stdout).Select(i => i.Text), Items(r.Stdout).Select(i => i.Text));

        var comment = Probe("Comment.cs", "namespace Probe; // a comment\n");
        r = CliRunner.Run("complete", $"{comment}:1:25", "--model", fx.ModelPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("no completion: inside a comment", r.Stdout);

        var line = Probe("Line.cs", "namespace Probe;\n\npublic sealed class Foo\n{\n    public override string ToString() => \n}\n");
        r = CliRunner.Run("complete", $"{line}:5:44", "--model", fx.ModelPath, "--line", "-n", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotEqual("", r.Stdout.Trim());
    }

    [Fact]
    public void Info_describes_the_model()
    {
        var r = CliRunner.Run("info", fx.ModelPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var s in new[] { "format v1", "order 4", "interpolated modified Kneser-Ney", "vocabulary", "n-grams", "discounts", "cache", "spacing", Path.GetFullPath(fx.Repo) })
            Assert.Contains(s, r.Stdout);
    }

    [Fact]
    public void Dump_tokens_writes_one_line_per_file_as_the_model_sees_them()
    {
        using var tmp = new TempDir("dump");
        var test = Path.Combine(tmp.Path, "test.txt");
        var r = CliRunner.Run("dump-tokens", fx.Repo, "--split", "test", "--model", fx.ModelPath, "--out", test);
        Assert.True(r.ExitCode == 0, r.ToString());
        var corpus = Trainer.LoadCorpus(fx.Repo, new(), null, default);
        var lines = File.ReadAllLines(test);
        Assert.Equal(corpus.Test.Count, lines.Length);
        var b = ModelBundle.Load(fx.ModelPath);
        for (int i = 0; i < lines.Length; i++)
        {
            var words = lines[i].Split(' ');
            var f = corpus.Test[i];
            Assert.Equal(f.Tokens.Length, words.Length);
            for (int j = 0; j < words.Length; j++)
            {
                int id = b.Vocabulary.Map(f.Tokens[j]);
                string expected = id == Vocabulary.Unk ? "__unk__" : b.Vocabulary[id];
                Assert.Equal(expected.Replace(' ', '\u2423').Replace('\t', '\u2409').Replace('\n', '\u2424').Replace('\r', '\u240D'), words[j]);
            }
        }
        Assert.DoesNotContain(lines, l => l.Contains("<unk>") || l.Contains("<s>") || l.Contains('\t'));

        // Without a model: other words verbatim (KenLM's own unknown-word handling applies), to stdout.
        r = CliRunner.Run("dump-tokens", fx.Repo, "--split", "train");
        Assert.True(r.ExitCode == 0, r.ToString());
        var trainLines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(corpus.Train.Count, trainLines.Length);
        Assert.DoesNotContain(trainLines, l => l.Contains("__unk__"));
        Assert.Equal(corpus.Train.Sum(f => f.Tokens.Length), trainLines.Sum(l => l.Split(' ').Length));
    }

    [Fact]
    public void Count_shards_of_two_folders_merge_into_the_model_of_both()
    {
        using var dir = new TempDir("cli-shards");
        string a = Path.Combine(fx.Repo, "CompletionLsp.Core", "Syntax"), b = Path.Combine(fx.Repo, "CompletionLsp.Core", "Corpus");
        string sa = dir.Combine("a.counts"), sb = dir.Combine("b.counts"), merged = dir.Combine("merged"), both = dir.Combine("both");
        foreach (var (d, o) in new[] { (a, sa), (b, sb) })
        {
            var r = CliRunner.Run("train", d, "--counts-only", "--out", o, "--order", "4", "--memory", "16");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("records", r.Stdout);
        }
        var m = CliRunner.Run("merge", sa, sb, "--out", merged);
        Assert.True(m.ExitCode == 0, m.ToString());
        Assert.Contains("from 2 shards", m.Stdout);
        var t = CliRunner.Run("train", a, b, "--no-tune", "--order", "4", "--out", both);
        Assert.True(t.ExitCode == 0, t.ToString());
        var x = ModelFile.Read(merged); var y = ModelFile.Read(both);
        foreach (var tag in new[] { "VOCA", "NGRM", "SPAC" }) Assert.True(x[tag].AsSpan().SequenceEqual(y[tag]), tag);
        Assert.Equal(2, ModelBundle.Load(merged).Info.SourceRoots.Length);

        var info = CliRunner.Run("info", sa); // info describes a shard as such
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("count shard", info.Stdout);
        Assert.Contains("records", info.Stdout);
        var serve = CliRunner.Run("complete", Path.Combine(a, "CSharpLexer.cs") + ":10:5", "--model", sa); // a shard is not a model: a clear error, exit 1
        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("count shard", serve.Stderr);
        var wrong = CliRunner.Run("merge", sa, merged, "--out", dir.Combine("x"));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("not a count shard", wrong.Stderr);
        Assert.False(File.Exists(dir.Combine("x")));
        var usage = CliRunner.Run("merge", sa, "--bogus", "--out", dir.Combine("x"));
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("unknown option '--bogus'", usage.Stderr);
    }

    [Fact]
    public void A_missing_folder_is_a_usage_error()
    {
        var missing = Path.Combine(fx.Repo, "no-such-folder");
        foreach (var cmd in new[] { "train", "eval" })
        {
            var r = CliRunner.Run(cmd, missing);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("no such folder", r.Stderr);
            Assert.Contains(missing, r.Stderr);
        }
        var u = CliRunner.Run("frobnicate");
        Assert.Equal(2, u.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", u.Stderr);
        Assert.Equal(2, CliRunner.Run().ExitCode);
        var bad = CliRunner.Run("train", fx.Repo, "--order", "9");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--order", bad.Stderr);
        var opt = CliRunner.Run("train", fx.Repo, "--bogus");
        Assert.Equal(2, opt.ExitCode);
        Assert.Contains("unknown option '--bogus'", opt.Stderr);
    }

    [Fact]
    public void A_corrupt_or_missing_model_is_an_error_that_names_the_problem()
    {
        using var tmp = new TempDir("corrupt");
        var bytes = File.ReadAllBytes(fx.ModelPath);
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;
        var corrupt = tmp.Bytes("corrupt.model", flipped);
        var truncated = tmp.Bytes("truncated.model", bytes[..(bytes.Length / 3)]);
        var file = Probe("Any.cs", "class A { }\n");

        foreach (var (args, problem) in new (string[], string)[]
        {
            (["info", corrupt], "checksum"),
            (["info", truncated], "truncated"),
            (["eval", fx.Repo, "--model", corrupt], "checksum"),
            (["complete", $"{file}:1:5", "--model", truncated], "truncated"),
            (["dump-tokens", fx.Repo, "--model", corrupt], "checksum"),
            (["info", Path.Combine(tmp.Path, "absent.model")], "not found"),
        })
        {
            var r = CliRunner.Run(args);
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.StartsWith("error: ", r.Stderr);
            Assert.Contains(problem, r.Stderr);
            Assert.Contains(args[^1] == corrupt || args[^1] == truncated ? args[^1] : "model", r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
        }
    }
}
