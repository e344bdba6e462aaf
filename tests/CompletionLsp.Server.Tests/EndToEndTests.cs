using CompletionLsp.Server.Tests.Harness;

namespace CompletionLsp.Server.Tests;

/// <summary>
/// The real server process (`dotnet completion-lsp.dll serve`) driven by third-party LSP clients: Node's
/// vscode-jsonrpc / vscode-languageserver-protocol (what VS Code's client is built on) and Neovim's built-in client
/// through the configuration in editors/neovim. Each script prints "N passed, M failed".
/// </summary>
public class EndToEndTests
{
    private static string NodeDir => Path.Combine(Repo.Root, "tests", "e2e", "node");

    [RequiresToolFact("node", "apt-get install nodejs npm")]
    public async Task Node_vscode_languageserver_client()
    {
        if (!Directory.Exists(Path.Combine(NodeDir, "node_modules")))
        {
            var npm = Tools.Find("npm") ?? throw new InvalidOperationException("node is installed but npm is not: apt-get install npm");
            var install = await Tools.Run(npm, ["ci", "--no-audit", "--no-fund"], NodeDir);
            Assert.True(install.ExitCode == 0, "npm ci in tests/e2e/node failed:\n" + install);
        }
        var workspace = TempDir.Create("node-e2e");
        var r = await Tools.Run("node", [Path.Combine(NodeDir, "e2e.mjs"), Repo.CompletionLspDll, Repo.SrcModelPath, workspace]);
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains(" passed, 0 failed"), r.ToString());
    }

    [RequiresToolFact("nvim", "apt-get install neovim")]
    public async Task Neovim_builtin_client_with_the_shipped_config()
    {
        var workspace = TempDir.Create("nvim-e2e");
        var result = Path.Combine(workspace, "result.txt");
        var r = await Tools.Run("nvim", ["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", "luafile " + Path.Combine(Repo.Root, "tests", "e2e", "nvim", "e2e.lua")],
            env: new Dictionary<string, string>
            {
                ["CLSP_DLL"] = Repo.CompletionLspDll, ["CLSP_MODEL"] = Repo.SrcModelPath, ["CLSP_WORKSPACE"] = workspace,
                ["CLSP_REPO"] = Repo.Root, ["CLSP_RESULT"] = result,
            });
        string report = File.Exists(result) ? File.ReadAllText(result) : "(no result file)";
        Assert.True(r.ExitCode == 0 && report.Contains(" passed, 0 failed"), report + "\n" + r);
    }
}
