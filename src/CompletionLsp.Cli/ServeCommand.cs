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
    public static async Task<int> RunAsync(IEnumerable<string> argv)
    {
        var a = new Args(argv, new HashSet<string> { "--stdio" }, new HashSet<string> { "--model", "-m", "--clientProcessId" });
        if (a.Positional.Count != 0) throw new UsageException("serve takes no positional arguments: completion-lsp serve [--model FILE]");
        string? model = a.Get("--model", "-m");
        // The semantic model compiles in the background; keystrokes should not wait for a blocking full collection.
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
        var stdin = Console.OpenStandardInput();
        var stdout = Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        await using var server = new LspServer(stdin, stdout, new ServerOptions
        {
            ModelPath = model,
            StaticModelFactory = NeuralHook.Factory,
            InfillFactory = NeuralHook.InfillFactory,
            SemanticFactory = (root, log) => new CompletionLsp.Semantic.SemanticWorkspace(root, null, log),
            EnableTestMethods = Environment.GetEnvironmentVariable("COMPLETION_LSP_TEST_METHODS") == "1",
        });
        return await server.RunAsync();
    }
}
