using CompletionLsp.Cli;
using CompletionLsp.Core.Models;

return await Cli.RunAsync(args);

namespace CompletionLsp.Cli
{
    public static partial class Cli
    {
        public const string Usage = """
            completion-lsp: C# code completion from language models of your own repository

            Usage:
              completion-lsp train <dir> [--out FILE] [--order N] [--smoothing kn|add-delta] [--delta D]
                                         [--min-count N] [--all-files] [--no-tune]
                                         [--models ngram,cache,ffnn,rnn,lstm,gru,bilstm] [--device auto|cpu|cuda]
                                         [--time-budget SECONDS] [--epochs N] [--embedding N] [--hidden N]
                                         [--layers N] [--dropout P] [--window N] [--bptt N] [--batch N] [--lr X]
                                         [--seed N] [--threads N]
              completion-lsp eval <dir> --model FILE [--json] [--setting static|dynamic|both|line|infill|all]
                                        [--max-files N] [--device auto|cpu|cuda]
              completion-lsp complete <file>:<line>:<col> [--model FILE] [-n 10] [--line]
              completion-lsp info <model>
              completion-lsp dump-tokens <dir> [--split train|test] [--model FILE] [--out FILE]
              completion-lsp serve [--model FILE]       (LSP over stdio)
              completion-lsp demo [dir] [--retrain]     (train on dir, default this repository, and show
                                                         completions from the server at a few places)

            Lines and columns are 1-based. The default model is <dir>/.completion-lsp/model.
            """;

        public static async Task<int> RunAsync(string[] args)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            try
            {
                var rest = args.Skip(1);
                return args[0] switch
                {
                    "train" => TrainCommand.Run(rest),
                    "eval" => EvalCommand.Run(rest),
                    "complete" => CompleteCommand.Run(rest),
                    "info" => InfoCommand.Run(rest),
                    "dump-tokens" => DumpTokensCommand.Run(rest),
                    "serve" => await ServeCommand.RunAsync(rest),
                    "demo" => await DemoCommand.RunAsync(rest),
                    "--version" => Version(),
                    _ => throw new UsageException($"unknown command '{args[0]}'"),
                };
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                Console.Error.WriteLine("run 'completion-lsp --help' for usage");
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

        private static int Version()
        {
            Console.WriteLine(typeof(Cli).Assembly.GetName().Version);
            return 0;
        }

        public static string DefaultModelPath(string dir) => Path.Combine(dir, ".completion-lsp", "model");
    }
}
