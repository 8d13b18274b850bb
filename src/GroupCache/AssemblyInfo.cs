using System.Runtime.CompilerServices;

// Hot paths hash keys from stackalloc'd buffers that are fully written before they are read;
// zeroing them first would cost more than the hash itself.
[module: SkipLocalsInit]
