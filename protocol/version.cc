// Placeholder so the library is never empty; removed when protocol sources land.
namespace sd::protocol_placeholder { int unused = 0; }
