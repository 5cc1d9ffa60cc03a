namespace MetalCore.ModelFiles.Gguf;

/// <summary>
/// Checks that every tensor's data is aligned, lies inside the file after the data section start,
/// and overlaps no other tensor.
/// </summary>
internal sealed class GgufTensorLayoutValidator(GgufFile file)
{
    public void Validate(IReadOnlyList<GgufTensorInfo> tensors)
    {
        foreach (var tensor in tensors)
        {
            if (tensor.Offset % file.Alignment != 0)
            {
                throw Error(tensor, $"data offset {tensor.Offset} is not a multiple of the alignment {file.Alignment}");
            }
            // Offsets and lengths are each below the file length, so these sums cannot overflow.
            var end = file.DataOffset + tensor.Offset + tensor.ByteLength;
            if (end > file.FileLength)
            {
                throw Error(tensor, $"data (bytes {file.DataOffset + tensor.Offset} to {end}, {tensor.ByteLength} bytes for "
                    + $"{tensor.Type} [{string.Join(", ", tensor.Dimensions)}]) extends past the end of the {file.FileLength}-byte file");
            }
        }
        var byOffset = tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Offset).ToArray();
        for (var i = 1; i < byOffset.Length; i++)
        {
            var previous = byOffset[i - 1];
            if (byOffset[i].Offset < previous.Offset + previous.ByteLength)
            {
                throw Error(byOffset[i], $"data at offset {byOffset[i].Offset} overlaps tensor '{previous.Name}' "
                    + $"(offsets {previous.Offset} to {previous.Offset + previous.ByteLength})");
            }
        }
    }

    private ModelFileException Error(GgufTensorInfo tensor, string detail) =>
        new(file.FilePath, $"tensor '{tensor.Name}': {detail}");
}
