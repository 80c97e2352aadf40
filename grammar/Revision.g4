grammar Revision;
file_ : EOF ;
WS : [ \t\r\n]+ -> skip ;
