
BoutputJ(¾1ÄpásÄ,ù-Eä.D6c½Ä_m•E·\ŽÄ;[DªpQEc~E