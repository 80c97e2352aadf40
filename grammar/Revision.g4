// The revision language (`.rev` files), as specified in spec/language.md.
//
// Built with the antlr4 4.7.2 tool for the 4.9 C++ runtime (see style.md).
// Only the parse layer (compiler/parser.cpp, compiler/ast_builder.cpp) sees
// what this generates; the AST builder turns the tree into retort::ast.
//
// Design notes:
// - Keywords are case-insensitive through one fragment per letter (4.7.2 has
//   no caseInsensitive option). Every keyword token is named K_WORD, so no
//   token can collide with a C macro (NULL, EOF, TRUE, DELETE, IN, ...).
// - Keywords stay usable as names: `name` accepts every keyword except the
//   few that would make a statement ambiguous (reservedKeyword). Column types
//   exclude, in addition, the words that start a column constraint, so that
//   `email not null` reports a missing type instead of a type named "not".
// - Lists in parentheses accept a trailing comma.
// - Expressions are one rule per precedence level with loops, not left
//   recursion: a long chain `a + b + c ...` gives a flat tree, and the AST
//   builder nests it iteratively.
// - `statement` and `header` are recovery points: after a syntax error the
//   error strategy (compiler/parser.cpp) skips to the next `;` and throws
//   StatementResync, which these rules catch, so that one mistake gives one
//   error and the next statement is parsed again.
grammar Revision;

// Every context derives from RevisionRuleContext, whose accessors find a
// child without dynamic_cast (grammar/revision_rule_context.h says why).
options { contextSuperClass = RevisionRuleContext; }

@parser::header {
#include "grammar/revision_rule_context.h"
}

@parser::context {
/// Thrown by the parse layer's error strategy once it has reported an error
/// and skipped to the end of the statement; the enclosing recovery rule
/// (statement, header) catches it and parsing resumes after it.
struct StatementResync {};
}

@lexer::members {
/// Consumes the rest of a dollar-quoted body up to and including the closing
/// tag, which must repeat the opening one: a lexer rule cannot express that,
/// so the DOLLAR_BODY rule ends with this action. An unterminated body runs
/// to the end of the text; the parse layer tells it by its missing closing
/// tag and retypes it UNTERMINATED_DOLLAR (the lexer cannot name that type).
void consumeDollarBody() {
  const std::string open = getText();  // the opening tag: ASCII only
  auto* sim = getInterpreter<antlr4::atn::LexerATNSimulator>();
  while (true) {
    const size_t c = _input->LA(1);
    if (c == antlr4::Token::EOF) return;
    if (c == '$') {
      bool closes = true;
      for (size_t k = 0; k < open.size() && closes; ++k) {
        closes = _input->LA(static_cast<ssize_t>(k + 1)) == static_cast<unsigned char>(open[k]);
      }
      if (closes) {
        for (size_t k = 0; k < open.size(); ++k) sim->consume(_input);
        return;
      }
    }
    sim->consume(_input);
  }
}
}

// Given by the parse layer to a DOLLAR_BODY with no closing tag.
tokens { UNTERMINATED_DOLLAR }

// ------------------------------------------------------------------ file

file_
  : annotation* header K_UPGRADE block downgradeClause? EOF
  ;

// What loading needs of every file before it parses any body: the header,
// for the revision graph (compiler/project.cpp, "Header first").
fileHead
  : annotation* header K_UPGRADE
  ;

header
  : headerInner
  ;
  catch [StatementResync &] {}

headerInner
  : K_REVISION revisionId headerClause* SEMI
  ;

headerClause
  : K_REVISION revisionId                              # revisionClause
  | K_REVISES revisionId (COMMA revisionId)*           # revisesClause
  | K_DEPENDS K_ON revisionId (COMMA revisionId)*      # dependsClause
  | K_LABELS labelName (COMMA labelName)*              # labelsClause
  | K_MESSAGE STRING                                   # messageClause
  | K_AUTHOR STRING                                    # authorClause
  | K_CREATED STRING                                   # createdClause
  ;

// Ids are checked by the AST builder: [A-Za-z0-9_]+, not base/head/heads.
revisionId
  : IDENT
  | INTEGER
  | DIGIT_WORD
  | STRING
  | nonReservedKeyword
  ;

labelName
  : name
  | STRING
  ;

downgradeClause
  : K_DOWNGRADE (block | K_IRREVERSIBLE SEMI)
  ;

block
  : LBRACE statement* RBRACE
  ;

// ------------------------------------------------------------ annotations

annotation
  : AT name LPAREN annotationArg (COMMA annotationArg)* COMMA? RPAREN
  ;

// A rule id is kebab-case (`add-column-not-null-no-default`), and any of its
// parts may be a keyword; the builder checks that the parts touch.
annotationArg
  : ruleWord (MINUS ruleWord)*
  | STRING
  ;

ruleWord
  : IDENT
  | INTEGER
  | DIGIT_WORD
  | keyword
  ;

// ------------------------------------------------------------- statements

statement
  : statementInner
  ;
  catch [StatementResync &] {}

statementInner
  : annotation* statementBody SEMI
  ;

statementBody
  : K_CREATE (createTable | createIndex | createEnum | createView | createSchema)
  | K_DROP (dropTable | dropIndex | dropEnum | dropView | dropSchema)
  | K_ALTER (alterTable | alterIndex | alterEnum)
  | commentOn
  | insertStmt
  | executeStmt
  ;

createTable
  : K_TABLE (K_IF K_NOT K_EXISTS)? qualifiedName
    LPAREN tableItem (COMMA tableItem)* COMMA? RPAREN
    (K_COMMENT STRING)?
  ;

tableItem
  : columnDef
  | tableConstraint
  ;

columnDef
  : columnName typeSpec columnConstraint*
  ;

// A column's name: any name but the words that start a table constraint.
columnName
  : IDENT
  | QUOTED_IDENT
  | nonReservedKeyword
  ;

columnConstraint
  : K_NOT K_NULL                                          # notNullConstraint
  | K_NULL                                                # nullConstraint
  | K_DEFAULT expr                                        # defaultConstraint
  | K_PRIMARY K_KEY                                       # primaryKeyConstraint
  | K_UNIQUE                                              # uniqueConstraint
  | K_IDENTITY                                            # identityConstraint
  | references                                            # referencesConstraint
  | K_CHECK LPAREN expr RPAREN                            # checkConstraint
  | K_COMMENT STRING                                      # commentConstraint
  | K_COLLATE STRING                                      # collateConstraint
  ;

references
  : K_REFERENCES qualifiedName (LPAREN name RPAREN)? referentialAction*
  ;

referentialAction
  : K_ON (K_DELETE | K_UPDATE) refAction
  ;

refAction
  : K_CASCADE
  | K_RESTRICT
  | K_SET K_NULL
  | K_SET K_DEFAULT
  | K_NO K_ACTION
  ;

// `using index` is only legal after `alter table ... add constraint NAME`;
// the builder says so elsewhere.
tableConstraint
  : (K_CONSTRAINT name)? constraintBody
  ;

constraintBody
  : K_PRIMARY K_KEY (nameList | K_USING K_INDEX name)     # primaryKeyBody
  | K_UNIQUE (nameList | K_USING K_INDEX name)            # uniqueBody
  | K_FOREIGN K_KEY nameList K_REFERENCES qualifiedName nameList referentialAction*  # foreignKeyBody
  | K_CHECK LPAREN expr RPAREN                            # checkBody
  ;

nameList
  : LPAREN name (COMMA name)* COMMA? RPAREN
  ;

dropTable
  : K_TABLE (K_IF K_EXISTS)? qualifiedName K_CASCADE?
  ;

alterTable
  : K_TABLE qualifiedName (K_RENAME K_TO name | alterAction (COMMA alterAction)*)
  ;

alterAction
  : K_ADD K_COLUMN columnDef                              # addColumnAction
  | K_ADD tableConstraint (K_NOT K_VALID)?                # addConstraintAction
  | K_DROP K_COLUMN name K_CASCADE?                       # dropColumnAction
  | K_DROP K_CONSTRAINT name                              # dropConstraintAction
  | K_RENAME K_COLUMN name K_TO name                      # renameColumnAction
  | K_RENAME K_CONSTRAINT name K_TO name                  # renameConstraintAction
  | K_ALTER K_COLUMN name alterColumnAction               # alterColumnActionOuter
  | K_VALIDATE K_CONSTRAINT name                          # validateConstraintAction
  ;

alterColumnAction
  : K_TYPE typeSpec (K_USING expr)?                       # alterTypeAction
  | K_SET K_NOT K_NULL                                    # setNotNullAction
  | K_DROP K_NOT K_NULL                                   # dropNotNullAction
  | K_SET K_DEFAULT expr                                  # setDefaultAction
  | K_DROP K_DEFAULT                                      # dropDefaultAction
  | K_COMMENT STRING                                      # setCommentAction
  ;

createIndex
  : K_UNIQUE? K_INDEX K_CONCURRENTLY? (K_IF K_NOT K_EXISTS)? name? K_ON qualifiedName
    LPAREN indexKey (COMMA indexKey)* COMMA? RPAREN
    (K_INCLUDE nameList)?
    (K_WHERE expr)?
    (K_USING name)?
  ;

indexKey
  : (name | LPAREN expr RPAREN) (K_ASC | K_DESC)?
  ;

dropIndex
  : K_INDEX K_CONCURRENTLY? (K_IF K_EXISTS)? qualifiedName
  ;

alterIndex
  : K_INDEX qualifiedName K_RENAME K_TO name
  ;

createEnum
  : K_ENUM qualifiedName LPAREN STRING (COMMA STRING)* COMMA? RPAREN
  ;

alterEnum
  : K_ENUM qualifiedName K_ADD K_VALUE STRING ((K_BEFORE | K_AFTER) STRING)?
  ;

dropEnum
  : K_ENUM qualifiedName
  ;

createView
  : K_VIEW qualifiedName K_AS dialectText
  ;

dropView
  : K_VIEW qualifiedName
  ;

createSchema
  : K_SCHEMA name
  ;

dropSchema
  : K_SCHEMA name
  ;

commentOn
  : K_COMMENT K_ON K_TABLE qualifiedName K_IS STRING                   # commentOnTable
  | K_COMMENT K_ON K_COLUMN name DOT name (DOT name)? K_IS STRING      # commentOnColumn
  ;

insertStmt
  : K_INSERT K_INTO qualifiedName nameList K_VALUES valuesRow (COMMA valuesRow)*
  ;

valuesRow
  : LPAREN expr (COMMA expr)* COMMA? RPAREN
  ;

executeStmt
  : K_EXECUTE dialectText (K_REVERSE dialectText)?
  ;

// `$$ body $$`, or one body per dialect: `(postgresql: $$..$$, default: $$..$$)`.
dialectText
  : DOLLAR_BODY
  | LPAREN dialectBody (COMMA dialectBody)* COMMA? RPAREN
  ;

dialectBody
  : dialectName COLON DOLLAR_BODY
  ;

dialectName
  : IDENT
  | K_DEFAULT
  ;

// ------------------------------------------------------------------ types

typeSpec
  : K_NATIVE LPAREN (STRING | nativeEntry (COMMA nativeEntry)*) COMMA? RPAREN   # nativeType
  | typeWord (DOT name)? (LPAREN typeArg (COMMA typeArg)* COMMA? RPAREN)? typeSpelling?   # namedType
  ;

// A portable type spelled its own way on some dialects:
// `text native(mysql: 'TEXT')` (what `retort import alembic` writes for
// SQLAlchemy's spellings).
typeSpelling
  : K_NATIVE LPAREN nativeEntry (COMMA nativeEntry)* COMMA? RPAREN
  ;

nativeEntry
  : dialectName COLON STRING
  ;

typeArg
  : INTEGER
  ;

// A type's (or an enum's schema's) first word: not a word that starts a
// column constraint.
typeWord
  : IDENT
  | QUOTED_IDENT
  | typeKeyword
  ;

// ------------------------------------------------------------ expressions
// Precedence, lowest first: or, and, not, comparison/is/in/like/between,
// ||, + -, * /, unary + -.

expr
  : orExpr
  ;

orExpr
  : andExpr (K_OR andExpr)*
  ;

andExpr
  : notExpr (K_AND notExpr)*
  ;

notExpr
  : K_NOT notExpr
  | predicate
  ;

predicate
  : concatExpr predicateTail?
  ;

predicateTail
  : K_IS K_NOT? K_NULL                                            # isNullTail
  | K_NOT? K_IN LPAREN expr (COMMA expr)* COMMA? RPAREN           # inTail
  | K_NOT? K_LIKE concatExpr                                      # likeTail
  | K_NOT? K_BETWEEN concatExpr K_AND concatExpr                  # betweenTail
  | compareOp concatExpr                                          # compareTail
  ;

compareOp
  : EQ | NEQ | LT | LE | GT | GE
  ;

concatExpr
  : addExpr (CONCAT addExpr)*
  ;

addExpr
  : mulExpr ((PLUS | MINUS) mulExpr)*
  ;

mulExpr
  : unaryExpr ((STAR | SLASH) unaryExpr)*
  ;

unaryExpr
  : (PLUS | MINUS) unaryExpr
  | primary
  ;

primary
  : STRING                                                        # stringLiteral
  | (INTEGER | DECIMAL)                                           # numberLiteral
  | (K_TRUE | K_FALSE)                                            # booleanLiteral
  | K_NULL                                                        # nullLiteral
  | (K_CURRENT_TIMESTAMP | K_CURRENT_DATE)                        # keywordValue
  | K_CAST LPAREN expr K_AS typeSpec RPAREN                       # castExpr
  | K_SQL LPAREN DOLLAR_BODY RPAREN                               # rawSql
  | name LPAREN (expr (COMMA expr)* COMMA?)? RPAREN               # callExpr
  | name (DOT name)?                                              # columnRef
  | LPAREN expr RPAREN                                            # parenExpr
  ;

// ------------------------------------------------------------------ names

qualifiedName
  : name (DOT name)?
  ;

name
  : IDENT
  | QUOTED_IDENT
  | nonReservedKeyword
  ;

keyword
  : reservedKeyword
  | nonReservedKeyword
  ;

// Never a bare name: each would make some statement ambiguous.
reservedKeyword
  : K_NOT | K_NULL | K_TRUE | K_FALSE | K_AND | K_OR | K_IN | K_IS | K_LIKE | K_BETWEEN
  | K_CAST | K_SQL | K_CURRENT_TIMESTAMP | K_CURRENT_DATE | K_CONSTRAINT | K_PRIMARY
  | K_UNIQUE | K_FOREIGN | K_CHECK | K_REFERENCES | K_DEFAULT | K_IF | K_ON
  | K_CONCURRENTLY | K_AS
  ;

// Keywords that may name a table, column, type, ...: users do name columns
// `status`, `type`, `key`, `value`, `comment`, `message`.
nonReservedKeyword
  : typeKeyword
  | K_IDENTITY | K_COMMENT | K_COLLATE | K_NATIVE
  ;

typeKeyword
  : K_REVISION | K_REVISES | K_DEPENDS | K_LABELS | K_MESSAGE | K_AUTHOR | K_CREATED
  | K_UPGRADE | K_DOWNGRADE | K_IRREVERSIBLE | K_CREATE | K_DROP | K_ALTER | K_RENAME
  | K_TO | K_ADD | K_TABLE | K_COLUMN | K_INDEX | K_ENUM | K_VIEW | K_SCHEMA | K_EXISTS
  | K_CASCADE | K_TYPE | K_USING | K_SET | K_KEY | K_DELETE | K_UPDATE | K_RESTRICT | K_NO
  | K_ACTION | K_VALID | K_VALIDATE | K_ASC | K_DESC | K_INCLUDE | K_WHERE | K_VALUE
  | K_BEFORE | K_AFTER | K_INSERT | K_INTO | K_VALUES | K_EXECUTE | K_REVERSE
  ;

// ================================================================== lexer

K_ACTION : A C T I O N ;
K_ADD : A D D ;
K_AFTER : A F T E R ;
K_ALTER : A L T E R ;
K_AND : A N D ;
K_AS : A S ;
K_ASC : A S C ;
K_AUTHOR : A U T H O R ;
K_BEFORE : B E F O R E ;
K_BETWEEN : B E T W E E N ;
K_CASCADE : C A S C A D E ;
K_CAST : C A S T ;
K_CHECK : C H E C K ;
K_COLLATE : C O L L A T E ;
K_COLUMN : C O L U M N ;
K_COMMENT : C O M M E N T ;
K_CONCURRENTLY : C O N C U R R E N T L Y ;
K_CONSTRAINT : C O N S T R A I N T ;
K_CREATE : C R E A T E ;
K_CREATED : C R E A T E D ;
K_CURRENT_DATE : C U R R E N T '_' D A T E ;
K_CURRENT_TIMESTAMP : C U R R E N T '_' T I M E S T A M P ;
K_DEFAULT : D E F A U L T ;
K_DELETE : D E L E T E ;
K_DEPENDS : D E P E N D S ;
K_DESC : D E S C ;
K_DOWNGRADE : D O W N G R A D E ;
K_DROP : D R O P ;
K_ENUM : E N U M ;
K_EXECUTE : E X E C U T E ;
K_EXISTS : E X I S T S ;
K_FALSE : F A L S E ;
K_FOREIGN : F O R E I G N ;
K_IDENTITY : I D E N T I T Y ;
K_IF : I F ;
K_IN : I N ;
K_INCLUDE : I N C L U D E ;
K_INDEX : I N D E X ;
K_INSERT : I N S E R T ;
K_INTO : I N T O ;
K_IRREVERSIBLE : I R R E V E R S I B L E ;
K_IS : I S ;
K_KEY : K E Y ;
K_LABELS : L A B E L S ;
K_LIKE : L I K E ;
K_MESSAGE : M E S S A G E ;
K_NATIVE : N A T I V E ;
K_NO : N O ;
K_NOT : N O T ;
K_NULL : N U L L ;
K_ON : O N ;
K_OR : O R ;
K_PRIMARY : P R I M A R Y ;
K_REFERENCES : R E F E R E N C E S ;
K_RENAME : R E N A M E ;
K_RESTRICT : R E S T R I C T ;
K_REVERSE : R E V E R S E ;
K_REVISES : R E V I S E S ;
K_REVISION : R E V I S I O N ;
K_SCHEMA : S C H E M A ;
K_SET : S E T ;
K_SQL : S Q L ;
K_TABLE : T A B L E ;
K_TO : T O ;
K_TRUE : T R U E ;
K_TYPE : T Y P E ;
K_UNIQUE : U N I Q U E ;
K_UPDATE : U P D A T E ;
K_UPGRADE : U P G R A D E ;
K_USING : U S I N G ;
K_VALID : V A L I D ;
K_VALIDATE : V A L I D A T E ;
K_VALUE : V A L U E ;
K_VALUES : V A L U E S ;
K_VIEW : V I E W ;
K_WHERE : W H E R E ;

SEMI : ';' ;
COMMA : ',' ;
DOT : '.' ;
COLON : ':' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACE : '{' ;
RBRACE : '}' ;
AT : '@' ;
CONCAT : '||' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
EQ : '=' ;
NEQ : '<>' | '!=' ;
LE : '<=' ;
GE : '>=' ;
LT : '<' ;
GT : '>' ;

IDENT : [A-Za-z_] [A-Za-z0-9_$]* ;
// A word that starts with a digit: only a revision id can be one (1975ea83b712).
DIGIT_WORD : [0-9]+ [A-Za-z_] [A-Za-z0-9_]* ;
DECIMAL : [0-9]+ '.' [0-9]+ ;
INTEGER : [0-9]+ ;

QUOTED_IDENT : '"' (~'"' | '""')* '"' ;
STRING : '\'' (~'\'' | '\'\'')* '\'' ;
// The body runs to the closing tag: see consumeDollarBody.
DOLLAR_BODY : '$' ([A-Za-z_] [A-Za-z0-9_]*)? '$' { consumeDollarBody(); } ;

// Comments go to the hidden channel: the parser never sees them, and
// `retort fmt` puts them back where they were (compiler/formatter.cpp).
LINE_COMMENT : '--' ~[\r\n]* -> channel(HIDDEN) ;
// Written without a non-greedy loop so that UNTERMINATED_COMMENT, which can
// never contain `*/`, is always shorter than a closed comment.
BLOCK_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'+ '/' -> channel(HIDDEN) ;
WS : [ \t\r\n\f]+ -> skip ;

// Tokens for mistakes, so that the lexer never fails and the parse layer
// can say what went wrong in words (each is shorter than its closed form).
UNTERMINATED_STRING : '\'' (~'\'' | '\'\'')* ;
UNTERMINATED_QUOTED_IDENT : '"' (~'"' | '""')* ;
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* ;
ERROR_CHAR : . ;

fragment A : [aA] ;
fragment B : [bB] ;
fragment C : [cC] ;
fragment D : [dD] ;
fragment E : [eE] ;
fragment F : [fF] ;
fragment G : [gG] ;
fragment H : [hH] ;
fragment I : [iI] ;
fragment J : [jJ] ;
fragment K : [kK] ;
fragment L : [lL] ;
fragment M : [mM] ;
fragment N : [nN] ;
fragment O : [oO] ;
fragment P : [pP] ;
fragment Q : [qQ] ;
fragment R : [rR] ;
fragment S : [sS] ;
fragment T : [tT] ;
fragment U : [uU] ;
fragment V : [vV] ;
fragment W : [wW] ;
fragment X : [xX] ;
fragment Y : [yY] ;
fragment Z : [zZ] ;
