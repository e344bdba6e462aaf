using System.CommandLine;
using CompletionLsp.Cli;
using CompletionLsp.Core.Models;

return await Cli.RunAsync(args);

namespace CompletionLsp.Cli
{
    /// <summary>The command line: one System.CommandLine tree (the README's CLI reference is generated from it, see
    /// <see cref="CliReference"/>). Usage errors exit with 2, other errors with 1, Ctrl-C with 130 and SIGTERM with 143.</summary>
    public static class Cli
    {
        public const string Name = "completion-lsp";

        public const string Description = """
            completion-lsp: C# code completion from language models of your own repository.
            Lines and columns are 1-based. The default model is <dir>/.completion-lsp/model.
            """;

        private static readonly Lazy<RootCommand> Tree = new(Create);

        /// <summary>The whole command tree, built once (its options are static fields of the commands; parsing reads
        /// the tree and keeps its state in the ParseResult, so one tree serves every call).</summary>
        public static RootCommand Build() => Tree.Value;

        private static RootCommand Create()
        {
            var root = new RootCommand(Description) { HelpName = Name };
            foreach (var c in new[]
            {
                TrainCommand.Build(),
                MergeCommand.Build(),
                ExportTokensCommand.Build(),
                ImportCountsCommand.Build(),
                EvalCommand.Build(),
                CompleteCommand.Build(),
                InfoCommand.Build(),
                DumpTokensCommand.Build(),
                ServeCommand.Build(),
                DemoCommand.Build(),
                CliReference.Build(),
            })
                root.Add(c);
            CliReference.FixWidth(root);
            return root;
        }

        public static async Task<int> RunAsync(string[] args)
        {
            var root = Build();
            if (args.Length == 0)
            {
                // No command: the overview, and the exit code of a usage error.
                root.Parse(["--help"]).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
                return 2;
            }
            if (args is ["help"]) args = ["--help"];
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                foreach (var message in UsageErrors(parsed)) Console.Error.WriteLine($"error: {message}");
                Console.Error.WriteLine($"run '{Name} {(parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + " ")}--help' for usage");
                return 2;
            }
            try
            {
                // Exceptions reach the handlers below (no stack traces for users); Ctrl-C and SIGTERM are handled by
                // the commands that can be interrupted (train keeps the previous model and exits 130 or 143).
                return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                Console.Error.WriteLine($"run '{Name} --help' for usage");
                return 2;
            }
            catch (ModelFormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("cancelled");
                return 130;
            }
        }

        /// <summary>Parse errors in this tool's words: an unknown word is an unknown command or option.</summary>
        private static IEnumerable<string> UsageErrors(ParseResult parsed)
        {
            var unmatched = parsed.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
            foreach (var token in parsed.UnmatchedTokens)
                yield return token.StartsWith('-') ? $"unknown option '{token}'"
                    : parsed.CommandResult.Command is RootCommand ? $"unknown command '{token}'"
                    : $"unexpected argument '{token}'";
            foreach (var e in parsed.Errors)
            {
                if (unmatched.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal))) continue;
                // "Required command was not provided" beside an unknown command says nothing more.
                if (unmatched.Count > 0 && e.SymbolResult is System.CommandLine.Parsing.CommandResult { Command: RootCommand }) continue;
                yield return e.Message;
            }
        }

        public static string DefaultModelPath(string dir) => Path.Combine(dir, ".completion-lsp", "model");
    }
}
