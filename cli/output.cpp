// (reserved for the output formats of `lint`: json, sarif, github)
