
BoutputJ(ê@¶R @.ä?Vy@e¬@fhş¾-j±ÀœKÀÃ–¾?nI¨À