using System.CommandLine;
using System.Text.Json.Nodes;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Cli;

/// <summary>
/// The README's first command: trains on a repository (by default this project's own source tree), starts the
/// language server as a child process, and shows what an editor gets at a few places of a file the model did not
/// train on: the ranked completion list and the ghost text, over real LSP.
/// </summary>
public static class DemoCommand
{
    private static readonly Argument<string?> Dir = new("dir")
    {
        Description = "The repository to train on and show [default: this project's own source tree].", Arity = ArgumentArity.ZeroOrOne,
    };
    private static readonly Option<bool> Retrain = Opt.Flag("--retrain", "Train again even when the folder has a model.");
    private static readonly Option<int> Places = Opt.Int("--places", 4, 1, 50, "How many places of the file to show.");

    public static Command Build()
    {
        var c = new Command("demo", "Train on a folder (default: this repository), start the server and show completions and ghost text at a few places of a file the model did not see.")
        {
            Dir, Retrain, Places,
        };
        c.SetAction((a, _) => RunAsync(a));
        return c;
    }

    public static async Task<int> RunAsync(ParseResult a)
    {
        string dir = a.GetValue(Dir) ?? FindRepoRoot() ?? Directory.GetCurrentDirectory();
        if (!Directory.Exists(dir)) throw new UsageException($"no such folder: {dir}");
        string model = Cli.DefaultModelPath(dir);
        if (a.GetValue(Retrain) || !File.Exists(model))
        {
            Console.WriteLine($"== training on {Path.GetFullPath(dir)}");
            int rc = await Cli.RunAsync(["train", dir]);
            if (rc != 0) return rc;
        }
        var corpus = Core.Training.Trainer.LoadCorpus(dir, new(), null, default).Test;
        var file = corpus.OrderByDescending(f => f.Tokens.Length).FirstOrDefault()
            ?? throw new UsageException("the folder has no C# test-split file to demonstrate on");
        string path = Path.Combine(dir, file.RelativePath);
        string text = File.ReadAllText(path);
        string uri = new Uri(Path.GetFullPath(path)).AbsoluteUri;
        Console.WriteLine();
        Console.WriteLine($"== serving: completion-lsp serve (LSP over stdio), model {model}");
        Console.WriteLine($"   file {file.RelativePath} is in the test split: the model never saw it");
        await using var lsp = LspClient.StartSelf("--model", model);
        var rootUri = new Uri(Path.GetFullPath(dir) + Path.DirectorySeparatorChar).AbsoluteUri;
        await lsp.RequestAsync("initialize", new JsonObject
        {
            ["processId"] = Environment.ProcessId, ["rootUri"] = rootUri,
            ["capabilities"] = new JsonObject(),
        });
        await lsp.NotifyAsync("initialized", new JsonObject());
        int places = a.GetValue(Places);
        foreach (var (line, col, typed) in PickPlaces(text, file, places))
        {
            // Show the line as the user has it: the rest of the line deleted, a few characters typed.
            var lines = text.Split('\n');
            string before = lines[line][..col];
            string after = lines[line][col..].TrimEnd('\r');
            lines[line] = before + typed;
            string edited = string.Join('\n', lines);
            await lsp.NotifyAsync("textDocument/didOpen", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "csharp", ["version"] = 1, ["text"] = edited },
            });
            var pos = new JsonObject { ["line"] = line, ["character"] = col + typed.Length };
            var res = await lsp.RequestAsync("textDocument/completion", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri }, ["position"] = pos.DeepClone(),
            });
            var inline = await lsp.RequestAsync("textDocument/inlineCompletion", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri }, ["position"] = pos.DeepClone(),
                ["context"] = new JsonObject { ["triggerKind"] = 2 },
            });
            Console.WriteLine();
            Console.WriteLine($"{file.RelativePath}:{line + 1}:{col + typed.Length + 1}");
            Console.WriteLine($"  {before.TrimStart()}{typed}|        (the file has: {before.TrimStart()}{after.TrimEnd()})");
            var items = (res is JsonObject o ? o["items"] : res) as JsonArray ?? [];
            int rank = 1;
            foreach (var item in items.Take(5))
                Console.WriteLine($"  {rank++}. {item?["label"],-28} {item?["labelDetails"]?["description"] ?? item?["detail"]}");
            var ghost = ((inline is JsonObject io ? io["items"] : inline) as JsonArray)?.FirstOrDefault()?["insertText"];
            Console.WriteLine($"  ghost text: {(ghost != null ? ghost.ToString() : "(none)")}");
            await lsp.NotifyAsync("textDocument/didClose", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } });
        }
        return 0;
    }

    /// <summary>Places spread over the file where a name follows `.`, `(`, `=` or `new`: the caret after the first two
    /// letters of the name (as if typing it), the rest of the line deleted.</summary>
    private static IEnumerable<(int Line, int Col, string Typed)> PickPlaces(string text, TokenizedFile file, int count)
    {
        var index = new Core.Engine.LineIndex(text);
        var places = new List<(int Line, int Col, string Typed)>();
        for (int i = 1; i + 1 < file.Tokens.Length; i++)
        {
            var t = file.Tokens[i];
            var prev = file.Tokens[i - 1];
            if (t.Kind != TokenKind.Identifier || t.Text.Length < 4 || file.Gaps[i] == 2) continue;
            if (prev.Text is not ("." or "(" or "=" or "new" or "return")) continue;
            var (line, col) = index.PositionOf(t.Start);
            places.Add((line, col, t.Text[..2]));
        }
        if (places.Count == 0) yield break;
        for (int k = 0; k < count; k++) yield return places[(int)(((long)k * places.Count + places.Count / 2) / count) % places.Count];
    }

    public static string? FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var d = new DirectoryInfo(start);
            while (d != null)
            {
                if (File.Exists(Path.Combine(d.FullName, "CompletionLsp.sln"))) return d.FullName;
                d = d.Parent;
            }
        }
        return null;
    }
}
