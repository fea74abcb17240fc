# US3L Table 6, Oxford-IIIT Pets: the Flowers-102 protocol on mmpretrain's
# stock OxfordIIITPet under data/oxford-iiit-pet/ (images/,
# annotations/{trainval,test}.txt).
_base_ = './linear_us-r50_8xb64-steplr-100e_flowers102.py'
dataset = dict(type='OxfordIIITPet', data_root='data/oxford-iiit-pet/')
model = dict(num_classes=37)
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
