
BoutputJ(5Х@–ќ~@“ФAU9hAЈ¶ABщД?Uз‡Ббк%БzГы@ ЩpБ