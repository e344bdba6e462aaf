using System.Runtime.InteropServices;

namespace CompletionLsp.Core.Corpus;

/// <summary>What a path names on disk, beyond what .NET tells (it calls a device, a named pipe and a socket "Normal").</summary>
public enum FileType { Missing, Regular, Directory, Symlink, CharDevice, BlockDevice, Fifo, Socket, Unknown }

/// <summary>
/// The type of a file from <c>statx(2)</c>, whose layout is the same on every Linux architecture. Elsewhere, or if
/// the call is unavailable, <see cref="FileType.Unknown"/> for an existing path: callers then fall back to sizes.
/// No file is opened (opening a named pipe would wait for a writer).
/// </summary>
public static class FileKind
{
    public static FileType Of(string path, bool followLinks = true)
    {
        if (OperatingSystem.IsLinux() && Statx(path, followLinks) is { } mode) return mode == 0 ? FileType.Missing : FromMode(mode);
        if (!followLinks && new FileInfo(path).LinkTarget != null) return FileType.Symlink;
        if (Directory.Exists(path)) return FileType.Directory;
        return File.Exists(path) ? FileType.Unknown : FileType.Missing;
    }

    /// <summary>"a named pipe", "a character device"...: for messages.</summary>
    public static string Describe(FileType t) => t switch
    {
        FileType.Regular => "a regular file",
        FileType.Directory => "a folder",
        FileType.Symlink => "a symbolic link",
        FileType.CharDevice => "a character device",
        FileType.BlockDevice => "a block device",
        FileType.Fifo => "a named pipe (FIFO)",
        FileType.Socket => "a socket",
        FileType.Missing => "missing",
        _ => "of an unknown type",
    };

    /// <summary>True for what is neither a regular file, a folder nor missing (a device, a FIFO, a socket).</summary>
    public static bool IsSpecial(FileType t) => t is FileType.CharDevice or FileType.BlockDevice or FileType.Fifo or FileType.Socket;

    private static FileType FromMode(ushort mode) => (mode & 0xF000) switch
    {
        0x8000 => FileType.Regular,
        0x4000 => FileType.Directory,
        0xA000 => FileType.Symlink,
        0x2000 => FileType.CharDevice,
        0x6000 => FileType.BlockDevice,
        0x1000 => FileType.Fifo,
        0xC000 => FileType.Socket,
        _ => FileType.Unknown,
    };

    private static bool _unavailable;

    /// <summary>st_mode; 0 when the path does not exist (ENOENT, ENOTDIR); null when statx fails otherwise or is unavailable.</summary>
    private static ushort? Statx(string path, bool followLinks)
    {
        if (_unavailable) return null;
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint StatxType = 1;
        var buf = new byte[256]; // struct statx: stx_mode (u16) at offset 28
        try
        {
            int r = statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType, buf);
            if (r != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is 2 or 20) return 0; // ENOENT, ENOTDIR: missing
                return null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return null;
        }
        return BitConverter.ToUInt16(buf, 28);
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
