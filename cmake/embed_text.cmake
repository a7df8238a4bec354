# Writes the text file IN into a C++ header OUT as a raw string constant NAME.
file(READ ${IN} content)
file(WRITE ${OUT} "#pragma once\n#include <string_view>\ninline constexpr std::string_view ${NAME} = R\"syncdeploy_embed(${content})syncdeploy_embed\";\n")
