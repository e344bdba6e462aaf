using System.CommandLine;
using System.Text.RegularExpressions;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Cli;

public static partial class CompleteCommand
{
    [GeneratedRegex(@"^(?<file>.+):(?<line>\d+):(?<col>\d+)$")]
    private static partial Regex Location();

    /// <summary>The workspace folder for the semantic model: the folder holding the model's .completion-lsp folder,
    /// else the nearest folder above the file with a .git or a solution, else the file's folder.</summary>
    internal static string WorkspaceRootOf(string file, string? modelPath)
    {
        if (modelPath != null && Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(modelPath))) == ".completion-lsp")
            return Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(modelPath)))!;
        var dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
        for (var d = new DirectoryInfo(dir); d != null; d = d.Parent)
        {
            try
            {
                if (Directory.Exists(Path.Combine(d.FullName, ".git")) || d.EnumerateFiles("*.sln").Any() || d.EnumerateFiles("*.slnx").Any()) return d.FullName;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { break; }
        }
        return dir;
    }

    private static readonly Argument<string> Where = Opt.Arg("location", "<file>:<line>:<col>, 1-based.");
    private static readonly Option<string?> Model = Opt.Text("--model", "FILE", "The model [default: the nearest .completion-lsp/model above the file].", "-m");
    private static readonly Option<int> Count = Opt.Int("-n", 10, 1, 1000, "How many items (or ghost-text suggestions) to print.");
    private static readonly Option<bool> Line = Opt.Flag("--line", "Print ghost-text suggestions for the rest of the line instead of the completion list.");
    private static readonly Option<bool> NoSemantic = Opt.Flag("--no-semantic", "Rank the language model's list without the semantic model (Roslyn).");
    private static readonly Option<string?> Root = Opt.Text("--root", "DIR", "The workspace folder the semantic model reads [default: the model's repository, or the nearest folder with .git or a solution].");

    public static Command Build()
    {
        var c = new Command("complete", "Print what the server would offer at a place in a file: the ranked completion list, or ghost text with --line.")
        {
            Where, Model, Count, Line, NoSemantic, Root,
        };
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        string where = a.GetValue(Where)!;
        var m = Location().Match(where);
        if (!m.Success) throw new UsageException($"'{where}' is not <file>:<line>:<col>");
        string file = m.Groups["file"].Value;
        int line = int.Parse(m.Groups["line"].Value), col = int.Parse(m.Groups["col"].Value);
        if (line < 1 || col < 1) throw new UsageException("lines and columns start at 1");
        int n = a.GetValue(Count);
        var text = RepoWalker.ReadSource(file, out var reason) ?? throw new IOException($"{file}: {reason}");
        string? modelPath = a.GetValue(Model) ?? ModelLocator.FindUpwards(file);
        // As the server answers once its semantic model is ready: it is awaited here (no keystroke budget).
        var engine = new CompletionEngine(new EngineOptions { SemanticBudgetMs = 60_000 }, NeuralHook.Factory, NeuralHook.InfillFactory);
        if (modelPath != null) engine.LoadModel(ModelBundle.Load(modelPath), modelPath);
        else Console.Error.WriteLine("note: no trained model found (train one with `completion-lsp train <repo>`); using this file alone");
        string uri = new Uri(Path.GetFullPath(file)).AbsoluteUri;
        CompletionLsp.Semantic.SemanticWorkspace? semantic = null;
        if (!a.GetValue(NoSemantic))
        {
            semantic = new CompletionLsp.Semantic.SemanticWorkspace(a.GetValue(Root) ?? WorkspaceRootOf(file, modelPath));
            semantic.Loaded.Wait();
            engine.AttachSemantic(semantic);
        }
        engine.Open(uri, text, 0);
        for (int i = 0; semantic != null && !semantic.IsReady && i < 1200; i++) Thread.Sleep(50);
        int offset = engine.Read(uri, d => d.Lines.OffsetOf(line - 1, col - 1));
        if (a.GetValue(Line))
        {
            var lines = engine.CompleteLine(uri, offset, n);
            if (lines.Count == 0) { Console.WriteLine("(no suggestion)"); return 0; }
            foreach (var s in lines) Console.WriteLine($"{s.Probability,7:P1}  {s.Text}");
            return 0;
        }
        var list = engine.Complete(uri, offset, n);
        if (list.SuppressedReason != null) { Console.WriteLine($"(no completion: {list.SuppressedReason})"); return 0; }
        if (list.Prefix.Length > 0) Console.WriteLine($"prefix '{list.Prefix}'");
        int rank = 1;
        foreach (var item in list.Items)
            Console.WriteLine($"{rank++,3}. {item.Probability,7:P2}  {item.Text,-32} {item.Role.ToString().ToLowerInvariant()}");
        return 0;
    }
}
