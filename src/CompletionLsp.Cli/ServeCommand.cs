using System.CommandLine;
using CompletionLsp.Server;

namespace CompletionLsp.Cli;

/// <summary>
/// `completion-lsp serve [--model FILE]`: the language server over stdio. stdout carries only protocol messages
/// (Console.Out is pointed at stderr so that nothing else can reach it); logs go to stderr and window/logMessage.
/// `--stdio` and `--clientProcessId` (added by some clients) are accepted and ignored. The environment variable
/// COMPLETION_LSP_TEST_METHODS=1 registers the test-only requests (completionLsp/test/*) for tests of the real process.
/// </summary>
public static class ServeCommand
{
    private static readonly Option<string?> Model = Opt.Text("--model", "FILE", "The model [default: the workspace's .completion-lsp/model, or the completionLsp.modelPath setting].", "-m");
    private static readonly Option<bool> Stdio = Opt.Flag("--stdio", "Accepted and ignored (stdio is the only transport).");
    private static readonly Option<string?> ClientProcessId = Opt.Text("--clientProcessId", "PID", "Accepted and ignored (some clients add it).");

    public static Command Build()
    {
        var c = new Command("serve", "The language server, over stdio (LSP 3.17).") { Model, Stdio, ClientProcessId };
        c.SetAction((a, _) => RunAsync(a));
        return c;
    }

    public static async Task<int> RunAsync(ParseResult a)
    {
        string? model = a.GetValue(Model);
        // The semantic model compiles in the background; keystrokes should not wait for a blocking full collection.
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
        var stdin = Console.OpenStandardInput();
        var stdout = Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        await using var server = new LspServer(stdin, stdout, new ServerOptions
        {
            ModelPath = model,
            StaticModelFactory = NeuralHook.Serve,
            InfillFactory = NeuralHook.ServeInfill,
            SemanticFactory = (root, log) => new CompletionLsp.Semantic.SemanticWorkspace(root, null, log),
            EnableTestMethods = Environment.GetEnvironmentVariable("COMPLETION_LSP_TEST_METHODS") == "1",
        });
        return await server.RunAsync();
    }
}
