using System.IO.MemoryMappedFiles;

namespace MetalCore.ModelFiles;

/// <summary>
/// A read-only memory mapping of a whole file. Readers hand out pointers into it (zero-copy
/// weights), which stay valid until <see cref="Dispose"/>.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private MappedFile(string path, long length, MemoryMappedFile mapping, MemoryMappedViewAccessor view, byte* pointer)
    {
        Path = path;
        Length = length;
        _mapping = mapping;
        _view = view;
        _pointer = pointer;
    }

    /// <summary>The mapped file.</summary>
    public string Path { get; }

    /// <summary>The file length in bytes (the mapping may be rounded up to a page: never read past this).</summary>
    public long Length { get; }

    /// <summary>The first byte of the mapping.</summary>
    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    /// <summary>Maps <paramref name="path"/>; I/O failures and empty files become <see cref="ModelFileException"/>.</summary>
    public static MappedFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ModelFileException(path, $"cannot open the file: {e.Message}", e);
        }

        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            var length = stream.Length;
            if (length == 0)
            {
                throw new ModelFileException(path, "the file is empty");
            }
            mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFile(path, length, mapping, view, pointer + view.PointerOffset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            view?.Dispose();
            mapping?.Dispose();
            stream.Dispose();
            throw new ModelFileException(path, $"cannot map the file into memory: {e.Message}", e);
        }
        catch
        {
            view?.Dispose();
            mapping?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>A span over <paramref name="length"/> bytes at <paramref name="offset"/>, which the caller has validated.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        return new ReadOnlySpan<byte>(Pointer + offset, length);
    }

    /// <summary>Unmaps the file; pointers handed out before become invalid.</summary>
    public void Dispose()
    {
        if (_pointer == null)
        {
            return;
        }
        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }
}
