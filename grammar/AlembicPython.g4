// The part of Python that Alembic revision scripts are written in.
//
// Built with the antlr4 4.7.2 tool for the 4.9 C++ runtime, like Revision.g4
// (see style.md). Only the Alembic parse layer (compiler/alembic_parser.cpp)
// sees what this generates; it turns the tree into the small Python tree of
// compiler/alembic_python.h, which the reader evaluates.
//
// Design notes:
// - Indentation is not lexed here. The lexer emits NEWLINE for every line
//   break; compiler/alembic_parser.cpp rewrites the token list before the
//   parser sees it: line breaks inside brackets and on blank lines are
//   dropped, and INDENT / DEDENT (declared in `tokens`) are inserted where a
//   logical line's indentation grows or shrinks, measured on the source
//   text (a tab advances to the next multiple of 8, as in Python).
// - The grammar accepts far more than the reader evaluates, so that a loop,
//   an `if`, a lambda or a comprehension parses and the reader can name it,
//   with its line, as the construct it cannot read, rather than fail with a
//   raw syntax error. Compound statements other than `def` and `with` are
//   parsed loosely (`if ...: suite`), and binary operators are one flat
//   chain without precedence: they are named, never evaluated.
// - Every keyword token is named K_WORD (`None`, `True`: no token may
//   collide with a C macro).
// - Comments go to the hidden channel: the parse layer reads the
//   `# retort: ignore` markers from them.
grammar AlembicPython;

tokens { INDENT, DEDENT }

// ------------------------------------------------------------ statements

file_
  : (NEWLINE | statement)* EOF
  ;

statement
  : simpleStatements
  | compoundStatement
  ;

simpleStatements
  : smallStatement (SEMI smallStatement)* SEMI? NEWLINE
  ;

smallStatement
  : K_PASS                                                           # passStatement
  | K_IMPORT dottedAsName (COMMA dottedAsName)*                      # importStatement
  | K_FROM fromModule K_IMPORT
      (STAR | LPAREN importAsNames RPAREN | importAsNames)           # fromImportStatement
  | K_RETURN testList?                                               # returnStatement
  | K_RAISE restOfLine                                               # raiseStatement
  | simpleKeyword restOfLine                                         # otherSimpleStatement
  | testList assignTail?                                             # expressionStatement
  ;

// Statements the reader only names: `del x`, `global x`, `assert x`, ...
simpleKeyword
  : K_DEL | K_GLOBAL | K_NONLOCAL | K_ASSERT | K_BREAK | K_CONTINUE
  ;

restOfLine
  : (~(NEWLINE | SEMI))*
  ;

assignTail
  : COLON test (ASSIGN testList)?                                    # annotatedAssign
  | (ASSIGN testList)+                                               # plainAssign
  | augAssignOp testList                                             # augmentedAssign
  ;

augAssignOp
  : PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | AT_ASSIGN | SLASH_ASSIGN | PERCENT_ASSIGN
  | AMP_ASSIGN | BAR_ASSIGN | CARET_ASSIGN | LSHIFT_ASSIGN | RSHIFT_ASSIGN | POW_ASSIGN
  | DSLASH_ASSIGN
  ;

fromModule
  : (DOT | ELLIPSIS)* dottedName
  | (DOT | ELLIPSIS)+
  ;

importAsNames
  : importAsName (COMMA importAsName)* COMMA?
  ;

importAsName
  : NAME (K_AS NAME)?
  ;

dottedAsName
  : dottedName (K_AS NAME)?
  ;

dottedName
  : NAME (DOT NAME)*
  ;

compoundStatement
  : decorator+ (funcDef | otherCompound)                             # decoratedStatement
  | funcDef                                                          # funcDefStatement
  | withStatement                                                    # withStatementOuter
  | otherCompound                                                    # otherCompoundStatement
  ;

decorator
  : AT restOfLine NEWLINE
  ;

// Parameters are kept as tokens: the reader only checks there are none.
funcDef
  : K_ASYNC? K_DEF NAME LPAREN bracketContent* RPAREN (ARROW test)? COLON suite
  ;

withStatement
  : K_ASYNC? K_WITH withItem (COMMA withItem)* COLON suite
  ;

withItem
  : test (K_AS atomExpr)?
  ;

// `if`, `for`, `while`, `try`, `class`, ... with any header: named, never
// evaluated. `elif`, `else`, `except` and `finally` are statements of
// their own here.
otherCompound
  : compoundKeyword headerToken* COLON suite
  ;

compoundKeyword
  : K_IF | K_ELIF | K_ELSE | K_FOR | K_WHILE | K_TRY | K_EXCEPT | K_FINALLY | K_CLASS
  | K_ASYNC K_FOR
  ;

headerToken
  : bracketGroup
  | ~(COLON | NEWLINE | INDENT | DEDENT | LPAREN | RPAREN | LBRACK | RBRACK | LBRACE | RBRACE)
  ;

bracketGroup
  : LPAREN bracketContent* RPAREN
  | LBRACK bracketContent* RBRACK
  | LBRACE bracketContent* RBRACE
  ;

bracketContent
  : bracketGroup
  | ~(LPAREN | RPAREN | LBRACK | RBRACK | LBRACE | RBRACE)
  ;

suite
  : simpleStatements
  | NEWLINE INDENT statement+ DEDENT
  ;

// ------------------------------------------------------------ expressions

// A trailing comma, or more than one item, makes a tuple.
testList
  : test (COMMA test)* COMMA?
  ;

test
  : chain (K_IF chain K_ELSE test)?
  | lambdef
  ;

lambdef
  : K_LAMBDA lambdaParam* COLON test
  ;

lambdaParam
  : bracketGroup
  | ~(COLON | NEWLINE | LPAREN | RPAREN | LBRACK | RBRACK | LBRACE | RBRACE)
  ;

// Every binary operator, without precedence: the reader evaluates none.
chain
  : unary (binaryOp unary)*
  ;

binaryOp
  : K_OR | K_AND | K_NOT K_IN | K_IN | K_IS K_NOT? | LT | GT | EQEQ | GE | LE | NE
  | BAR | CARET | AMP | LSHIFT | RSHIFT | PLUS | MINUS | STAR | SLASH | DSLASH | PERCENT
  | AT | POW | COLONEQ
  ;

unary
  : (MINUS | PLUS | TILDE | K_NOT) unary
  | atomExpr
  ;

atomExpr
  : K_AWAIT? atom trailer*
  ;

trailer
  : LPAREN arguments? RPAREN                                         # callTrailer
  | LBRACK subscripts RBRACK                                         # subscriptTrailer
  | DOT NAME                                                         # attributeTrailer
  ;

arguments
  : argument (COMMA argument)* COMMA?
  ;

argument
  : NAME ASSIGN test                                                 # keywordArgument
  | STAR test                                                        # starArgument
  | POW test                                                         # kwargsArgument
  | test compFor?                                                    # positionalArgument
  ;

subscripts
  : subscript (COMMA subscript)* COMMA?
  ;

subscript
  : test
  | test? COLON test? (COLON test?)?
  ;

atom
  : LPAREN testListComp? RPAREN                                      # parenAtom
  | LBRACK testListComp? RBRACK                                      # listAtom
  | LBRACE dictOrSet? RBRACE                                         # braceAtom
  | NAME                                                             # nameAtom
  | NUMBER                                                           # numberAtom
  | STRING+                                                          # stringAtom
  | ELLIPSIS                                                         # ellipsisAtom
  | K_NONE                                                           # noneAtom
  | (K_TRUE | K_FALSE)                                               # boolAtom
  | K_YIELD testList?                                                # yieldAtom
  ;

testListComp
  : listItem (compFor | (COMMA listItem)* COMMA?)
  ;

listItem
  : test
  | STAR chain
  ;

dictOrSet
  : dictEntry (compFor | (COMMA dictEntry)* COMMA?)                  # dictMaker
  | listItem (compFor | (COMMA listItem)* COMMA?)                    # setMaker
  ;

dictEntry
  : test COLON test
  | POW chain
  ;

compFor
  : K_ASYNC? K_FOR unary (COMMA unary)* COMMA? K_IN chain compIter?
  ;

compIter
  : compFor
  | K_IF chain compIter?
  ;

// ================================================================== lexer

K_FALSE : 'False' ;
K_NONE : 'None' ;
K_TRUE : 'True' ;
K_AND : 'and' ;
K_AS : 'as' ;
K_ASSERT : 'assert' ;
K_ASYNC : 'async' ;
K_AWAIT : 'await' ;
K_BREAK : 'break' ;
K_CLASS : 'class' ;
K_CONTINUE : 'continue' ;
K_DEF : 'def' ;
K_DEL : 'del' ;
K_ELIF : 'elif' ;
K_ELSE : 'else' ;
K_EXCEPT : 'except' ;
K_FINALLY : 'finally' ;
K_FOR : 'for' ;
K_FROM : 'from' ;
K_GLOBAL : 'global' ;
K_IF : 'if' ;
K_IMPORT : 'import' ;
K_IN : 'in' ;
K_IS : 'is' ;
K_LAMBDA : 'lambda' ;
K_NONLOCAL : 'nonlocal' ;
K_NOT : 'not' ;
K_OR : 'or' ;
K_PASS : 'pass' ;
K_RAISE : 'raise' ;
K_RETURN : 'return' ;
K_TRY : 'try' ;
K_WHILE : 'while' ;
K_WITH : 'with' ;
K_YIELD : 'yield' ;

// A string with its prefix and quotes; the parse layer decodes it. One
// token type for every form: the prefix (r, b, u, f) is in its text.
STRING
  : STRING_PREFIX? (LONG_SINGLE | LONG_DOUBLE | SHORT_SINGLE | SHORT_DOUBLE)
  ;

NUMBER
  : DIGIT_PART ('.' DIGIT_PART?)? EXPONENT? [jJ]?
  | '.' DIGIT_PART EXPONENT? [jJ]?
  | '0' [xX] ('_'? [0-9a-fA-F])+
  | '0' [oO] ('_'? [0-7])+
  | '0' [bB] ('_'? [01])+
  ;

NAME : ID_START ID_CONTINUE* ;

NEWLINE : '\r'? '\n' | '\r' ;

ELLIPSIS : '...' ;
DOT : '.' ;
COMMA : ',' ;
COLONEQ : ':=' ;
COLON : ':' ;
SEMI : ';' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;
LBRACE : '{' ;
RBRACE : '}' ;
ARROW : '->' ;
POW_ASSIGN : '**=' ;
DSLASH_ASSIGN : '//=' ;
LSHIFT_ASSIGN : '<<=' ;
RSHIFT_ASSIGN : '>>=' ;
PLUS_ASSIGN : '+=' ;
MINUS_ASSIGN : '-=' ;
STAR_ASSIGN : '*=' ;
AT_ASSIGN : '@=' ;
SLASH_ASSIGN : '/=' ;
PERCENT_ASSIGN : '%=' ;
AMP_ASSIGN : '&=' ;
BAR_ASSIGN : '|=' ;
CARET_ASSIGN : '^=' ;
POW : '**' ;
DSLASH : '//' ;
LSHIFT : '<<' ;
RSHIFT : '>>' ;
EQEQ : '==' ;
NE : '!=' ;
LE : '<=' ;
GE : '>=' ;
LT : '<' ;
GT : '>' ;
ASSIGN : '=' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
PERCENT : '%' ;
AT : '@' ;
AMP : '&' ;
BAR : '|' ;
CARET : '^' ;
TILDE : '~' ;

COMMENT : '#' ~[\r\n]* -> channel(HIDDEN) ;
// A backslash at the end of a line joins it to the next.
LINE_JOIN : '\\' [ \t\f]* ('\r'? '\n' | '\r') -> skip ;
WS : [ \t\f]+ -> skip ;
BOM : '\uFEFF' -> skip ;

// Tokens for mistakes, so that the lexer never fails and the parse layer
// can say what went wrong in words (each is shorter than its closed form).
UNTERMINATED_STRING
  : STRING_PREFIX? ( '\'\'\'' LONG_SINGLE_ITEM* ('\'' | '\'\'')?
                   | '"""' LONG_DOUBLE_ITEM* ('"' | '""')?
                   | '\'' SHORT_SINGLE_ITEM*
                   | '"' SHORT_DOUBLE_ITEM* )
  ;
ERROR_CHAR : . ;

fragment STRING_PREFIX
  : [rRuUbBfF] | [bB] [rR] | [rR] [bB] | [fF] [rR] | [rR] [fF]
  ;
fragment SHORT_SINGLE : '\'' SHORT_SINGLE_ITEM* '\'' ;
fragment SHORT_DOUBLE : '"' SHORT_DOUBLE_ITEM* '"' ;
fragment SHORT_SINGLE_ITEM : ~[\\'\r\n] | ESCAPE ;
fragment SHORT_DOUBLE_ITEM : ~[\\"\r\n] | ESCAPE ;
// A long string's body never holds three closing quotes in a row: a quote
// is an item only when what follows it is not a quote.
fragment LONG_SINGLE : '\'\'\'' LONG_SINGLE_ITEM* '\'\'\'' ;
fragment LONG_DOUBLE : '"""' LONG_DOUBLE_ITEM* '"""' ;
fragment LONG_SINGLE_ITEM
  : ~[\\'] | ESCAPE | '\'' (~[\\'] | ESCAPE) | '\'\'' (~[\\'] | ESCAPE)
  ;
fragment LONG_DOUBLE_ITEM
  : ~[\\"] | ESCAPE | '"' (~[\\"] | ESCAPE) | '""' (~[\\"] | ESCAPE)
  ;
fragment ESCAPE : '\\' ('\r\n' | .) ;
fragment DIGIT_PART : [0-9] ('_'? [0-9])* ;
fragment EXPONENT : [eE] [+-]? DIGIT_PART ;
// Outside strings and comments Python allows non-ASCII text only in names:
// any such character of the Basic Multilingual Plane counts as a letter
// (the 4.7.2 tool mis-serialises sets past U+FFFF, so none are listed).
fragment ID_START : [a-zA-Z_\u0080-\uFEFE\uFF00-\uFFFD] ;
fragment ID_CONTINUE : [a-zA-Z0-9_\u0080-\uFEFE\uFF00-\uFFFD] ;
