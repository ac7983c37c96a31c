
BoutputJ(h—.ÄF¬sÄÑ÷*EÇ¿5D•È¸Äq•Ees‡ÄîHaDÒáTE	 E