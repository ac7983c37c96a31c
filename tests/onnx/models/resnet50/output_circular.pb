
BoutputJ(n÷#ÄóAmÄ+E?k2D@­´Ä,»’EéQ‰ÄŽÓWDdxTEÖU#E