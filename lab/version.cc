// Placeholder so the library is never empty; removed when lab sources land.
namespace sd::lab_placeholder { int unused = 0; }
