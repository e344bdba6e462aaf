using System.CommandLine;
using CompletionLsp.Bench;

return await BenchCli.RunAsync(args);

namespace CompletionLsp.Bench
{
    /// <summary>
    /// completion-lsp-bench: the one benchmark tool of the repository (figures, not tests). Its subcommands share one
    /// percentile definition (<see cref="Core.Eval.Stats"/>) and one LSP client (<see cref="LspProcess"/>); arguments
    /// are parsed by System.CommandLine (help with -h/--help on every subcommand, types and ranges checked).
    /// </summary>
    public static class BenchCli
    {
        public static RootCommand Build()
        {
            var root = new RootCommand("completion-lsp-bench: benchmarks (not tests) of completion-lsp. They print figures; "
                + "edit-soak also exits 1 on a desync, an error or a crash.");
            root.Subcommands.Add(LspLatency.Command());
            root.Subcommands.Add(EditSoak.Command());
            root.Subcommands.Add(Flood.FloodCommand());
            root.Subcommands.Add(Flood.LargeDocCommand());
            root.Subcommands.Add(EngineLatency.Command());
            root.Subcommands.Add(NeuralBench.Command());
            root.Subcommands.Add(TrainScale.Command());
            return root;
        }

        public static async Task<int> RunAsync(string[] args)
        {
            var parse = Build().Parse(args);
            int rc = await parse.InvokeAsync();
            // A usage error (no subcommand, an unknown option, a missing or malformed value) prints the error and the
            // help and exits 2; --help exits 0.
            return parse.Errors.Count > 0 ? 2 : rc;
        }

        /// <summary>
        /// A subcommand's action: an <see cref="ArgumentException"/> thrown while it runs (a value that only the run can
        /// judge, e.g. no server found) is a usage error too: "error: ..." on stderr, exit code 2.
        /// </summary>
        internal static void Run(this Command command, Func<ParseResult, Task<int>> action) =>
            command.SetAction(async (parse, _) =>
            {
                try { return await action(parse); }
                catch (ArgumentException e)
                {
                    await Console.Error.WriteLineAsync("error: " + e.Message);
                    return 2;
                }
            });
    }

    /// <summary>Options several subcommands have, defined once.</summary>
    internal static class Common
    {
        /// <summary>The completion-lsp.dll next to this program (the project reference copies it there).</summary>
        public static string DefaultServer => Path.Combine(AppContext.BaseDirectory, "completion-lsp.dll");

        public static Option<FileInfo> Model(string description = "the model file the server loads (default: none)") =>
            new Option<FileInfo>("--model") { Description = description, HelpName = "FILE" }.AcceptExistingOnly();

        public static Option<FileInfo> Server() =>
            new Option<FileInfo>("--server") { Description = "completion-lsp.dll to start with `dotnet <dll> serve` (default: the one next to this program)", HelpName = "DLL" }
                .AcceptExistingOnly();

        /// <summary>The server to start: --server, else the one next to this program.</summary>
        public static string ServerPath(FileInfo? server)
        {
            var path = server?.FullName ?? DefaultServer;
            if (!File.Exists(path)) throw new ArgumentException($"no server at {path} (use --server)");
            return path;
        }

        public static Option<int> Int(string name, int defaultValue, string description, int min, string? helpName = "N")
        {
            var o = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = helpName };
            o.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() < min) r.AddError($"{name} must be at least {min}");
            });
            return o;
        }

        public static Option<int> Seed(int defaultValue = 1) =>
            new("--seed") { Description = "seed of the random choices", DefaultValueFactory = _ => defaultValue, HelpName = "S" };
    }
}
