using System.Text.RegularExpressions;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Cli;

public static partial class CompleteCommand
{
    [GeneratedRegex(@"^(?<file>.+):(?<line>\d+):(?<col>\d+)$")]
    private static partial Regex Location();

    public static int Run(IEnumerable<string> argv)
    {
        var a = new Args(argv, new HashSet<string> { "--line", "--json" }, new HashSet<string> { "--model", "-m", "-n" });
        if (a.Positional.Count != 1) throw new UsageException("complete wants one location: completion-lsp complete <file>:<line>:<col>");
        var m = Location().Match(a.Positional[0]);
        if (!m.Success) throw new UsageException($"'{a.Positional[0]}' is not <file>:<line>:<col>");
        string file = m.Groups["file"].Value;
        int line = int.Parse(m.Groups["line"].Value), col = int.Parse(m.Groups["col"].Value);
        if (line < 1 || col < 1) throw new UsageException("lines and columns start at 1");
        int n = a.Int("-n", 10, 1, 1000);
        var text = RepoWalker.ReadSource(file, out var reason) ?? throw new IOException($"{file}: {reason}");
        string? modelPath = a.Get("--model", "-m") ?? ModelLocator.FindUpwards(file);
        var engine = new CompletionEngine(new EngineOptions(), NeuralHook.Factory, NeuralHook.InfillFactory);
        if (modelPath != null) engine.LoadModel(ModelBundle.Load(modelPath), modelPath);
        else Console.Error.WriteLine("note: no trained model found (train one with `completion-lsp train <repo>`); using this file alone");
        string uri = new Uri(Path.GetFullPath(file)).AbsoluteUri;
        engine.Open(uri, text, 0);
        int offset = engine.Read(uri, d => d.Lines.OffsetOf(line - 1, col - 1));
        if (a.Flag("--line"))
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
